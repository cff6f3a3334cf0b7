"""python manage.py export --project SLUG --dataset preference --format jsonl --out FILE [filters]

Writes FILE (or a directory for --format datasets) and FILE.manifest.json beside it; with
--snapshot, freezes a snapshot under the artifacts folder and records it instead."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from feedback.exports.datasets import EXTRA_COLUMNS, FORMS
from feedback.exports.filters import DATASETS
from feedback.exports.options import parse_options
from feedback.exports.services import export_to_path, snapshot_create, snapshot_path
from feedback.exports.writers import FORMATS
from feedback.labelling.models import Project


class Command(BaseCommand):
    help = "Export a TRL-ready dataset (or a snapshot) from a project's labels."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--dataset", choices=DATASETS, default="preference")
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--form", choices=FORMS, default="conversational")
        parser.add_argument("--columns", default="", help=f"extra columns: {', '.join(EXTRA_COLUMNS)}")
        parser.add_argument("--out", type=Path, help="output file (or directory for --format datasets)")
        parser.add_argument("--snapshot", action="store_true", help="freeze a snapshot instead of writing --out")
        parser.add_argument("--codebook-version", default="", help="comma-separated versions")
        parser.add_argument("--since", default="")
        parser.add_argument("--until", default="")
        parser.add_argument("--min-agreement", default="")
        parser.add_argument("--tier", default="", help="comma-separated: trainee, regular, expert")
        parser.add_argument("--split", default="", help="train or heldout")
        parser.add_argument("--weight-by-reliability", action="store_true")
        parser.add_argument("--source", default="", help="preference pairs from: choices, ratings or both")
        parser.add_argument("--rejected", default="", help="rating-derived pairs: each or worst")
        parser.add_argument("--min-margin", default="", help="rating-derived pairs' minimum score margin (default 0.05)")

    def handle(self, *args, **o):
        try:
            project = Project.objects.get(slug=o["project"])
        except Project.DoesNotExist:
            raise CommandError(f"No project with slug {o['project']!r}.") from None
        params = QueryDict(mutable=True)
        for key, option in [("dataset", "dataset"), ("format", "format"), ("form", "form"), ("columns", "columns"),
                            ("codebook_version", "codebook_version"), ("since", "since"), ("until", "until"),
                            ("min_agreement", "min_agreement"), ("tier", "tier"), ("split", "split"),
                            ("source", "source"), ("rejected", "rejected"), ("min_margin", "min_margin")]:
            if o[option]:
                params[key] = str(o[option])
        if o["weight_by_reliability"]:
            params["weight_by_reliability"] = "true"
        try:
            options = parse_options(params)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if o["snapshot"]:
            snapshot = snapshot_create(project=project, dataset=options.dataset, filters=options.filters, form=options.form,
                                       columns=options.columns)
            self.stdout.write(self.style.SUCCESS(
                f"Snapshot {snapshot.pk}: {snapshot.row_counts} rows from {snapshot.label_count} labels, "
                f"sha256 {snapshot.sha256[:16]}…, in {snapshot_path(snapshot)}"
            ))
            return
        if not o["out"]:
            raise CommandError("Give --out FILE (or --snapshot).")
        manifest = export_to_path(project=project, dataset=options.dataset, fmt=options.fmt, path=o["out"],
                                  filters=options.filters, form=options.form, columns=options.columns)
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {manifest['rows_total']} rows ({manifest['rows']}) from {manifest['labels']} labels to {o['out']}; "
            f"excluded: {manifest['excluded'] or 'none'}; manifest {o['out']}.manifest.json"
        ))
