"""python manage.py quality_fold [--rebuild]"""
import time

from django.core.management.base import BaseCommand

from feedback.quality.kept.folding import fold, rebuild
from feedback.quality.models import TaskChange


class Command(BaseCommand):
    help = ("Fold the labels stored since the last fold into the kept quality figures (the beat does this every "
            "few seconds); --rebuild computes them again from every label.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Empty the kept figures and fold every label again.")

    def handle(self, *args, **options):
        if options.get("rebuild"):
            self.stdout.write(f"Rebuilding: {rebuild()} labelled tasks to fold.")
        pending = TaskChange.objects.count()
        started = time.monotonic()

        def report(folded: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {folded}/{pending} changes folded ({folded / max(elapsed, 1e-9):,.0f}/s)")

        folded = fold(progress=report)
        self.stdout.write(self.style.SUCCESS(f"Folded {folded} changes in {time.monotonic() - started:.1f} s."))
