"""An export as an HTTP download, and its manifest: one implementation for the API and
the Export page, so both hand out the same bytes for the same parameters.

JSON Lines stream in constant memory as the rows are built; Parquet and the `datasets`
folder (zipped) need the whole file, so they are written to a scratch folder first."""
import shutil
import tempfile
from pathlib import Path

from django.http import FileResponse, StreamingHttpResponse

from feedback.exports.datasets import BUILDERS, ExportSummary
from feedback.exports.options import ExportOptions
from feedback.exports.services import export_to_path, pin_label_set
from feedback.exports.writers import jsonl_chunks
from feedback.labelling.models import Project


def export_response(*, project: Project, options: ExportOptions) -> StreamingHttpResponse | FileResponse:
    """The export as an attachment. The X-Export-Max-Label-Id header pins the label set:
    passed back as max_label_id, it gives the same bytes and their manifest."""
    filters = pin_label_set(project=project, filters=options.filters)
    name = f"{project.slug}-{options.dataset}"
    headers = {"X-Export-Max-Label-Id": str(filters.max_label_id)}
    if options.fmt == "jsonl":
        rows = BUILDERS[options.dataset](project, filters, ExportSummary(), form=options.form, columns=options.columns)
        response = StreamingHttpResponse(jsonl_chunks(rows), content_type="application/jsonl; charset=utf-8", headers=headers)
        response["Content-Disposition"] = f'attachment; filename="{name}.jsonl"'
        return response
    scratch = Path(tempfile.mkdtemp(prefix="export-"))
    target = scratch / (f"{name}.parquet" if options.fmt == "parquet" else name)
    export_to_path(project=project, dataset=options.dataset, fmt=options.fmt, path=target, filters=filters,
                   form=options.form, columns=options.columns)
    if options.fmt == "datasets":
        shutil.copy(f"{target}.manifest.json", target / "manifest.json")
        target = Path(shutil.make_archive(str(scratch / name), "zip", root_dir=target))
    handle = open(target, "rb")
    shutil.rmtree(scratch)  # the open handle keeps the file's data until the response closes it
    return FileResponse(handle, as_attachment=True, filename=target.name, headers=headers)


def export_manifest(*, project: Project, options: ExportOptions) -> dict:
    """The manifest (row counts, filters, sha256 of the exact bytes) of the export with
    these options, written to a scratch folder and thrown away; without max_label_id it
    pins the newest label (the manifest's filters say which)."""
    with tempfile.TemporaryDirectory(prefix="manifest-") as scratch:
        manifest = export_to_path(
            project=project, dataset=options.dataset, fmt=options.fmt, path=Path(scratch) / "export",
            filters=options.filters, form=options.form, columns=options.columns,
        )
    manifest["files"] = []
    return manifest
