"""Reviewer pages: the quality dashboard and adjudication; the annotators' quiz."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from feedback.charts.svg import Series, bar_chart, line_chart
from feedback.labelling.access import project_view
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.models import Membership, Role, Task
from feedback.labelling.selectors import active_codebook
from feedback.exports.filters import ExportFilters
from feedback.quality.dashboard import dashboard
from feedback.quality.forms import AdjudicationForm
from feedback.quality.models import Adjudication
from feedback.quality.quiz import quiz_submit
from feedback.quality.services import adjudicate, tier_apply


def _filters(request) -> ExportFilters:
    version = request.GET.get("codebook_version", "")
    return ExportFilters(
        codebook_versions=[int(version)] if version.isdigit() else [],
        since=parse_date(request.GET.get("since", "") or "") or None,
        until=parse_date(request.GET.get("until", "") or "") or None,
    )


@project_view(min_role=Role.REVIEWER)
def dashboard_page(request, project):
    filters = _filters(request)
    data = dashboard(project, filters)
    weeks = data["by_week"]
    chart = line_chart(
        [Series("alpha", [(i, w["alpha"]) for i, (_, w) in enumerate(weeks)]),
         Series("percent agreement", [(i, w["percent"]) for i, (_, w) in enumerate(weeks)])],
        title="Agreement by week", x_label="week", y_range=(min([0.0] + [w["alpha"] or 0 for _, w in weeks]), 1.0),
        x_format=lambda x: weeks[int(x)][0].strftime("%b %d") if 0 <= int(x) < len(weeks) else "",
    )
    producers = bar_chart([(key, share) for key, share, _ in data["thumbs_by_producer"]], title="Thumbs-up share by version",
                          maximum=1.0)
    return render(request, "quality/dashboard.html", {
        "project": project, "nav": "quality", "data": data, "agreement_chart": chart, "producer_chart": producers,
        "filters": filters, "versions": project.codebooks.values_list("version", flat=True),
        "is_admin": request.membership.role == Role.ADMIN,
    })


@project_view(min_role=Role.REVIEWER)
def adjudicate_page(request, project, task_id):
    task = get_object_or_404(Task.objects.select_related("prompt"), project=project, pk=task_id)
    existing = Adjudication.objects.filter(task=task).select_related("reviewer").first()
    form = AdjudicationForm(request.POST or None, task=task)
    error = None
    if request.method == "POST" and form.is_valid():
        make_gold = form.cleaned_data["make_gold"] and request.membership.role == Role.ADMIN
        try:
            adjudicate(task=task, reviewer=request.user, answer=form.answer(), note=form.cleaned_data["note"],
                       make_gold=make_gold)
        except InvalidAnswer as invalid:
            error = str(invalid)
        else:
            messages.success(request, f"Final answer recorded for task {task.pk}{' (now a gold item)' if make_gold else ''}.")
            return redirect("quality:dashboard", slug=project.slug)
    labels = task.labels.select_related("annotator", "codebook").order_by("created_at")
    return render(request, "quality/adjudicate.html", {
        "project": project, "nav": "quality", "task": task, "candidates": task.ordered_candidates(), "labels": labels,
        "existing": existing, "form": form, "error": error, "is_admin": request.membership.role == Role.ADMIN,
    }, status=400 if error else 200)


@require_POST
@project_view(min_role=Role.ADMIN)
def tier_apply_view(request, project, user_id):
    membership = get_object_or_404(Membership, project=project, user_id=user_id)
    try:
        tier_apply(membership=membership, tier=request.POST.get("tier", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user} is now {membership.get_tier_display().lower()}.")
    return redirect("quality:dashboard", slug=project.slug)


@require_POST
@project_view()
def quiz_view(request, project):
    codebook = active_codebook(project)
    if codebook is None or str(codebook.version) != request.POST.get("version"):
        raise Http404("No such codebook version to answer a quiz for.")
    answers = {key[1:]: value for key, value in request.POST.items() if key.startswith("q") and key[1:].isdigit()}
    try:
        attempt, wrong = quiz_submit(user=request.user, codebook=codebook, answers=answers)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("labelling:codebook", slug=project.slug)
    if attempt.passed:
        messages.success(request, f"Quiz passed ({attempt.score:.0%}): you can label under v{codebook.version}.")
        return redirect("labelling:label", slug=project.slug)
    explanations = " ".join(f"“{q.text}”: {q.explanation or 'see the codebook'}." for q in wrong)
    messages.warning(request, f"{attempt.score:.0%} right — not enough yet. {explanations} Read the codebook and try again.")
    return redirect("labelling:codebook", slug=project.slug)
