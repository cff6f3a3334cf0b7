"""The admins' upload form for prompt files (same rules as `manage.py import_prompts`).

The file arrives as a multipart upload: Django keeps up to FILE_UPLOAD_MAX_MEMORY_SIZE
in memory and streams anything larger to a temporary file, and the import reads it line
by line. A body over IMPORT_MAX_BYTES is refused before it is read (feedback.limits),
with the form error from `prompt_import_too_large`."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat

from feedback.json_input import MAX_DEPTH
from feedback.labelling.access import project_view
from feedback.labelling.errors import ImportRejected
from feedback.labelling.forms import ImportForm
from feedback.labelling.models import Role
from feedback.labelling.services.imports import import_jsonl
from feedback.limits import Upload, accepts_upload


@project_view(min_role=Role.ADMIN)
def prompt_import_too_large(request, project, *, limit):
    """What the Import page answers to a file over the limit: the form, with the error."""
    message = f"This file is larger than the {filesizeformat(limit)} an import may be; nothing was read."
    return _render(request, project, ImportForm(), [], file_errors=[message], status=413)


@accepts_upload(Upload(setting="IMPORT_MAX_BYTES", too_large=prompt_import_too_large))
@project_view(min_role=Role.ADMIN)
def prompt_import(request, project):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        try:
            # The file object itself, opened in binary: lines split at b"\n" only, and
            # bytes that are not UTF-8 are reported with their line and offset.
            result = import_jsonl(project=project, lines=upload.file)
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, f"Imported {upload.name}: {result.summary}.")
            return redirect("labelling:import", slug=project.slug)
    return _render(request, project, form, errors, file_errors=form["file"].errors, status=400 if errors or form.errors else 200)


def _render(request, project, form, errors, *, file_errors, status):
    return render(
        request,
        "labelling/import.html",
        {
            "project": project,
            "nav": "import",
            "form": form,
            "file_errors": file_errors,
            "errors": errors,
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "max_prompt_chars": f"{settings.IMPORT_MAX_PROMPT_CHARS:,}",
            "max_candidate_chars": f"{settings.IMPORT_MAX_CANDIDATE_CHARS:,}",
            "max_depth": MAX_DEPTH,
        },
        status=status,
    )
