"""The admins' upload form for prompt files (same rules as `manage.py import_prompts`)."""
import io

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render

from feedback.labelling.access import project_view
from feedback.labelling.errors import ImportRejected
from feedback.labelling.forms import ImportForm
from feedback.labelling.models import Role
from feedback.labelling.services.imports import import_jsonl


@project_view(min_role=Role.ADMIN)
def import_page(request, project):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            errors = [(0, f"the file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB")]
        else:
            try:
                result = import_jsonl(project=project, lines=io.TextIOWrapper(upload.file, encoding="utf-8", errors="strict"))
            except ImportRejected as rejected:
                errors = rejected.errors
            except UnicodeDecodeError:
                errors = [(0, "the file is not UTF-8 text")]
            else:
                messages.success(request, f"Imported {upload.name}: {result.summary}.")
                return redirect("labelling:import", slug=project.slug)
    return render(
        request,
        "labelling/import.html",
        {"project": project, "nav": "import", "form": form, "errors": errors},
        status=400 if errors else 200,
    )
