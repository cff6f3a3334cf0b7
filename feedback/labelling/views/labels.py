"""Label history: annotators see their own labels, reviewers all of the project's. Each
label reads as its annotator saw it (the responses numbered as shown), with the stored,
canonical form beside it for reviewers."""
import json

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from feedback.labelling.access import project_view
from feedback.labelling.as_seen import answer_as_seen
from feedback.labelling.models import TaskCandidate
from feedback.labelling.selectors import labels_visible_to

PAGE_SIZE = 50


def _texts(task) -> dict[int, str]:
    return {link.position: link.candidate.text for link in task.task_candidates.all()}


@project_view()
def label_list(request, project):
    # The candidates' texts of a page of labels: two queries, whatever the page holds.
    texts = Prefetch("task__task_candidates",
                     queryset=TaskCandidate.objects.select_related("candidate").only("task_id", "position", "candidate__text"))
    labels = labels_visible_to(request.user, project).select_related(
        "annotator", "codebook", "task", "task__prompt"
    ).prefetch_related(texts).order_by("-created_at", "-id")
    annotator = request.GET.get("annotator", "")
    if annotator and request.membership.can_review:
        labels = labels.filter(annotator__username=annotator)
    page = Paginator(labels, PAGE_SIZE).get_page(request.GET.get("page"))
    for label in page:
        label.seen = answer_as_seen(label.kind, label.answer, label.display_order, _texts(label.task))
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
    seen = answer_as_seen(label.kind, label.answer, label.display_order, {p: c.text for p, c in links.items()})
    shown = [{"response": response, "candidate": links.get(response.position),
              "letter": "AB"[response.position] if label.kind == "pair" and response.position < 2 else ""}
             for response in seen.responses]
    return render(
        request,
        "labelling/label_detail.html",
        {"project": project, "nav": "labels", "label": label, "seen": seen, "shown": shown,
         "answer_json": json.dumps(label.answer, ensure_ascii=False), "can_review": request.membership.can_review},
    )
