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
            with file.open(encoding="utf-8") as lines:
                result = import_jsonl(project=target, lines=lines)
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; nothing was written.") from None
        except ImportRejected as rejected:
            for number, reason in rejected.errors:
                self.stderr.write(f"{file}:{number}: {reason}")
            raise CommandError(f"{len(rejected.errors)} bad line(s); nothing was written.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported into {target.slug}: {result.summary}."))
