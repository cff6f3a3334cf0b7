"""Reading, acknowledging and publishing codebook versions."""
import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from feedback.labelling.access import project_view
from feedback.labelling.errors import QuizNotPassed
from feedback.labelling.forms import CodebookForm
from feedback.labelling.models import Role
from feedback.labelling.rendering import render_markdown
from feedback.labelling.rubric import InvalidRubric, rubric_of
from feedback.labelling.selectors import active_codebook, has_acknowledged
from feedback.labelling.services import codebooks as codebook_services


@project_view()
def codebook_detail(request, project, version=None):
    versions = list(project.codebooks.all())
    if version is None:
        codebook = active_codebook(project)
    else:
        codebook = next((c for c in versions if c.version == version), None)
        if codebook is None:
            raise Http404("No such codebook version.")
    return render(
        request,
        "labelling/codebook.html",
        {
            "project": project,
            "nav": "codebook",
            "codebook": codebook,
            "codebook_html": render_markdown(codebook.text) if codebook else "",
            "aspects": rubric_of(codebook),
            "versions": versions,
            "acknowledged": has_acknowledged(request.user, codebook),
            "quiz": list(codebook.quiz_questions.all()) if codebook else [],
            "next": request.GET.get("next", ""),
        },
    )


@require_POST
@project_view()
def codebook_acknowledge(request, project):
    codebook = active_codebook(project)
    if codebook is None or str(codebook.version) != request.POST.get("version"):
        messages.warning(request, "The codebook changed while you were reading it; here is the newest version.")
        return redirect("labelling:codebook", slug=project.slug)
    try:
        codebook_services.codebook_acknowledge(user=request.user, codebook=codebook)
    except QuizNotPassed as error:
        messages.warning(request, str(error))
        return redirect("labelling:codebook", slug=project.slug)
    messages.success(request, f"Codebook v{codebook.version} acknowledged.")
    if request.POST.get("next") == "label":
        return redirect("labelling:label", slug=project.slug)
    return redirect("labelling:codebook", slug=project.slug)


@project_view(min_role=Role.ADMIN)
def codebook_edit(request, project):
    current = active_codebook(project)
    rubric = json.dumps(current.rubric, indent=2, ensure_ascii=False) if current and current.rubric else ""
    form = CodebookForm(request.POST or None, initial={"text": current.text if current else "", "rubric": rubric})
    if request.method == "POST" and form.is_valid():
        try:
            codebook = codebook_services.codebook_publish(
                project=project,
                text=form.cleaned_data["text"],
                rubric=form.cleaned_data["rubric"],
                author=request.user,
                change_note=form.cleaned_data["change_note"],
            )
        except InvalidRubric as error:
            form.add_error("rubric", str(error))
        else:
            if current is not None and codebook.pk == current.pk:
                messages.info(request, "Nothing changed; the codebook stays at v%d." % codebook.version)
            else:
                messages.success(request, f"Published codebook v{codebook.version}. Annotators will be asked to read it.")
            return redirect("labelling:codebook", slug=project.slug)
    return render(request, "labelling/codebook_edit.html", {
        "project": project, "nav": "codebook", "form": form, "current": current,
        "rubric_example": json.dumps(RUBRIC_EXAMPLE, indent=2, ensure_ascii=False),
    }, status=400 if form.errors else 200)


# Shown beside the rubric box: one aspect of each shape (ends described, every point described).
RUBRIC_EXAMPLE = [
    {"name": "helpfulness", "question": "How well does the response do what was asked?",
     "scale": {"min": 1, "max": 5}, "points": {"1": "Ignores the request", "5": "Does all of it, well"},
     "weight": 2, "kinds": ["rate", "pair"]},
    {"name": "correctness", "question": "Is what it says true?", "scale": {"min": 1, "max": 3},
     "points": {"1": "Wrong", "2": "Partly right", "3": "Right"}},
]
