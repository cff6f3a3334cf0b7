"""Label history: annotators see their own labels, reviewers all of the project's."""
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from feedback.labelling.access import project_view
from feedback.labelling.selectors import labels_visible_to

PAGE_SIZE = 50


@project_view()
def label_list(request, project):
    labels = labels_visible_to(request.user, project).select_related(
        "annotator", "codebook", "task", "task__prompt"
    ).order_by("-created_at", "-id")
    annotator = request.GET.get("annotator", "")
    if annotator and request.membership.can_review:
        labels = labels.filter(annotator__username=annotator)
    page = Paginator(labels, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "labelling/label_list.html",
        {"project": project, "nav": "labels", "page": page, "annotator": annotator, "can_review": request.membership.can_review},
    )


@project_view()
def label_detail(request, project, pk):
    # Filtering through labels_visible_to makes another annotator's label a 404.
    label = get_object_or_404(
        labels_visible_to(request.user, project).select_related("annotator", "codebook", "task__prompt"), pk=pk
    )
    links = {tc.position: tc.candidate for tc in label.task.task_candidates.select_related("candidate")}
    shown = [{"number": i + 1, "position": pos, "candidate": links[pos]} for i, pos in enumerate(label.display_order)]
    return render(
        request,
        "labelling/label_detail.html",
        {"project": project, "nav": "labels", "label": label, "shown": shown, "candidates": [links[p] for p in sorted(links)]},
    )
