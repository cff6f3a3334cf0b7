"""python manage.py import_prompts FILE.jsonl --project SLUG"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feedback.labelling.errors import ImportRejected
from feedback.labelling.models import Project
from feedback.labelling.services.imports import import_jsonl


class Command(BaseCommand):
    help = "Import prompts with candidates from a JSON Lines file (all or nothing; re-importing is a no-op)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, help="The project's slug.")

    def handle(self, *args, file: Path, project: str, **options):
        try:
            target = Project.objects.get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"No project with slug {project!r}.") from None
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            # Binary, read line by line: bytes that are not UTF-8 are reported with their
            # line and offset, and a large file never sits in memory.
            with file.open("rb") as lines:
                result = import_jsonl(project=target, lines=lines)
        except ImportRejected as rejected:
            for number, reason in rejected.errors:
                self.stderr.write(f"{file}:{number}: {reason}" if number else f"{file}: {reason}")
            lines_with_errors = len({number for number, _ in rejected.errors if number})
            raise CommandError(
                f"{len(rejected.errors)} problem(s) on {lines_with_errors} line(s); nothing was written."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Imported into {target.slug}: {result.summary}."))
