"""Exports to files and frozen snapshots, each with its manifest."""
import json
import os
import shutil
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from feedback.artifacts import local_folder, local_path, snapshot_folder, snapshot_scratch_folder
from feedback.exports.builders.ratings import RATINGS_EXTRA_COLUMNS
from feedback.exports.datasets import BUILDERS, EXTRA_COLUMNS, FORMS, ExportSummary
from feedback.exports.filters import DATASETS, ExportFilters
from feedback.exports.models import Snapshot
from feedback.exports.writers import FORMATS, tree_sha256, write_datasets_dir, write_jsonl, write_parquet
from feedback.labelling.models import Label, Project, Split


def check_options(*, dataset: str, fmt: str, form: str, columns) -> None:
    """Refuse, with a message naming the parameter, options no export knows."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset: one of {', '.join(DATASETS)}")
    if fmt not in FORMATS:
        raise ValueError(f"format: one of {', '.join(FORMATS)}")
    if form not in FORMS:
        raise ValueError(f"form: one of {', '.join(FORMS)}")
    unknown = set(columns) - set(EXTRA_COLUMNS)
    if unknown:
        raise ValueError(f"columns: unknown {', '.join(sorted(unknown))}; available: {', '.join(EXTRA_COLUMNS)}")
    if dataset == "ratings" and set(columns) - set(RATINGS_EXTRA_COLUMNS):
        # A ratings row is a response, pooled over tasks and annotators: no task, vote share or source of its own.
        raise ValueError(f"columns: a ratings row can add {', '.join(RATINGS_EXTRA_COLUMNS)}, not "
                         f"{', '.join(sorted(set(columns) - set(RATINGS_EXTRA_COLUMNS)))}")


def pin_label_set(*, project: Project, filters: ExportFilters) -> ExportFilters:
    """Fix the newest label an export may read, so its content is reproducible."""
    if filters.max_label_id is None:
        newest = Label.objects.filter(task__project=project).order_by("-id").values_list("id", flat=True).first()
        filters.max_label_id = newest or 0
    return filters


def build_manifest(*, project, dataset, fmt, form, columns, filters, summary: ExportSummary, sha256: str, files) -> dict:
    return {
        "project": project.slug,
        "dataset": dataset,
        "format": fmt,
        "form": form,
        "columns": list(columns),
        "filters": filters.as_manifest(),
        **summary.as_manifest(),
        "sha256": sha256,
        "files": files,
        "created_at": timezone.now().isoformat(),
    }


def export_to_path(
    *, project: Project, dataset: str, fmt: str, path: Path, filters: ExportFilters, form: str = "conversational", columns=()
) -> dict:
    """Write one export (a file, or a directory for fmt="datasets") and its manifest
    beside it as <path>.manifest.json. Returns the manifest."""
    check_options(dataset=dataset, fmt=fmt, form=form, columns=columns)
    filters = pin_label_set(project=project, filters=filters)
    summary = ExportSummary()
    rows = BUILDERS[dataset](project, filters, summary, form=form, columns=columns)
    path = Path(path)
    if fmt == "jsonl":
        sha = write_jsonl(rows, path)
    elif fmt == "parquet":
        sha = write_parquet(rows, path, dataset=dataset, form=form, columns=columns)
    else:
        sha = write_datasets_dir(rows, path, dataset=dataset, form=form, columns=columns)
    manifest = build_manifest(
        project=project, dataset=dataset, fmt=fmt, form=form, columns=columns, filters=filters,
        summary=summary, sha256=sha, files=[path.name],
    )
    Path(f"{path}.manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _snapshot_files(project, dataset, filters, summary, form, columns, directory: Path) -> dict:
    """train.jsonl and heldout.jsonl from one pass; for unpaired data also held-out
    preference pairs, so a KTO run can be evaluated like the others."""
    files = {Split.TRAIN: directory / "train.jsonl", Split.HELDOUT: directory / "heldout.jsonl"}
    handles = {split: open(path, "w", encoding="utf-8") for split, path in files.items()}
    try:
        for row in BUILDERS[dataset](project, filters, summary, form=form, columns=tuple(columns) + ("split",)):
            split = row["split"] if "split" in columns else row.pop("split")
            handles[split].write(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    finally:
        for handle in handles.values():
            handle.close()
    names = {"train": "train.jsonl", "heldout": "heldout.jsonl"}
    if dataset == "unpaired":
        heldout = ExportFilters(**{**filters.__dict__, "split": Split.HELDOUT})
        write_jsonl(BUILDERS["preference"](project, heldout, ExportSummary(), form=form), directory / "heldout_pairs.jsonl")
        names["heldout_pairs"] = "heldout_pairs.jsonl"
    return names


def snapshot_create(
    *, project: Project, dataset: str = "preference", filters: ExportFilters | None = None, user=None,
    form: str = "conversational", columns=(),
) -> Snapshot:
    """Freeze an export on disk (train/held-out files + manifest.json, read-only) and
    record it. The files are written to a scratch folder and renamed into place, so a
    half-written snapshot is never registered."""
    check_options(dataset=dataset, fmt="jsonl", form=form, columns=columns)
    filters = pin_label_set(project=project, filters=filters or ExportFilters())
    summary = ExportSummary()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    scratch = local_folder(snapshot_scratch_folder(project_slug=project.slug, stamp=stamp, pid=os.getpid()))
    try:
        files = _snapshot_files(project, dataset, filters, summary, form, columns, scratch)
        sha = tree_sha256(scratch, "*.jsonl")
        manifest = build_manifest(
            project=project, dataset=dataset, fmt="jsonl", form=form, columns=columns, filters=filters,
            summary=summary, sha256=sha, files=files,
        )
        (scratch / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        for path in scratch.iterdir():
            path.chmod(0o444)
        directory = snapshot_folder(project_slug=project.slug, stamp=stamp, sha256=sha)
        scratch.rename(local_path(directory))
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    with transaction.atomic():
        return Snapshot.objects.create(
            project=project,
            dataset=dataset,
            filters=filters.as_manifest(),
            directory=directory,
            manifest=manifest,
            sha256=sha,
            row_counts=dict(summary.rows),
            label_count=summary.labels,
            last_label_id=filters.max_label_id or 0,
            created_by=user,
        )


def snapshot_path(snapshot: Snapshot) -> Path:
    """The snapshot's local folder, for the trainer (which reads its files by path)."""
    return local_path(snapshot.directory)
