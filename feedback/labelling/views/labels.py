"""Label history: annotators see their own labels, reviewers all of the project's, newest
first, a page at a time from a label (keyset.newest_first: no page numbers, no count).
Each label reads as its annotator saw it (the responses numbered as shown), with the
stored, canonical form beside it for reviewers."""
import json

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from feedback.bounds import whole_number
from feedback.labelling.access import project_view
from feedback.labelling.as_seen import answer_as_seen
from feedback.labelling.rubric import rubric_of
from feedback.labelling.keyset import newest_first
from feedback.labelling.forms import post_from_answer
from feedback.labelling.models import TaskCandidate, TaskKind
from feedback.labelling.selectors import (
    last_label_of,
    labels_by_annotator,
    labels_visible_to,
    revised_labels,
    revisions_of,
)
from feedback.labelling.services.revisions import label_editable_until, label_is_revisable
from feedback.labelling.turns import shown_turns, turn_aspects

PAGE_SIZE = 50


def judged_conversation(label, candidate_text: str, answer, post=None) -> list[dict]:
    """A turns label's conversation with what each judged turn was given (`post`, a
    refused form's fields, else the stored `answer`); nothing for other kinds."""
    if label.kind != TaskKind.TURNS:
        return []
    given = post if post is not None else post_from_answer(label.kind, answer)
    return shown_turns(label.task.prompt.messages, candidate_text, given, turn_aspects(label.codebook.rubric))


def _texts(task) -> dict[int, str]:
    return {link.position: link.candidate.text for link in task.task_candidates.all()}


@project_view()
def label_list(request, project):
    # The candidates' texts of a page of labels: two queries, whatever the page holds.
    texts = Prefetch("task__task_candidates",
                     queryset=TaskCandidate.objects.select_related("candidate").only("task_id", "position", "candidate__text"))
    visible = labels_visible_to(request.user, project)
    labels = visible.select_related("annotator", "codebook", "task", "task__prompt").prefetch_related(texts)
    annotator = request.GET.get("annotator", "")
    if annotator and request.membership.can_review:
        labels = labels_by_annotator(labels, annotator)
    page = newest_first(labels, visible=visible, size=PAGE_SIZE,
                        before=whole_number(request.GET.get("before", "")), after=whole_number(request.GET.get("after", "")))
    revised = revised_labels(page.labels)
    for label in page.labels:
        label.seen = answer_as_seen(label.kind, label.answer, label.display_order, _texts(label.task),
                                    rubric_of(label.codebook))
        label.revised = label.pk in revised
    last = last_label_of(request.user, project)
    return render(
        request,
        "labelling/label_list.html",
        {"project": project, "nav": "labels", "page": page, "annotator": annotator, "can_review": request.membership.can_review,
         "can_undo_last": last is not None and label_is_revisable(project=project, label=last, user=request.user)},
    )


@project_view()
def label_detail(request, project, pk):
    # Filtering through labels_visible_to makes another annotator's label a 404.
    label = get_object_or_404(
        labels_visible_to(request.user, project).select_related("annotator", "codebook", "task__prompt"), pk=pk
    )
    return label_detail_page(request, project, label)


def label_detail_page(request, project, label, *, error: str = "", status: int = 200):
    """The label's page; `error` (with `status`): why an edit or undo of it was refused."""
    links = {tc.position: tc.candidate for tc in label.task.task_candidates.select_related("candidate")}
    aspects = rubric_of(label.codebook)
    seen = answer_as_seen(label.kind, label.answer, label.display_order, {p: c.text for p, c in links.items()}, aspects)
    shown = [{"response": response, "candidate": links.get(response.position),
              "letter": "AB"[response.position] if label.kind == "pair" and response.position < 2 else ""}
             for response in seen.responses]
    texts = {p: c.text for p, c in links.items()}
    history = [{"revision": revision,
                "seen": answer_as_seen(label.kind, revision.answer, revision.display_order, texts, rubric_of(revision.codebook)),
                "answer_json": json.dumps(revision.answer, ensure_ascii=False)}
               for revision in revisions_of(label)]
    turns = judged_conversation(label, links[0].text if 0 in links else "", label.answer)
    return render(
        request,
        "labelling/label_detail.html",
        {"project": project, "nav": "labels", "label": label, "seen": seen, "shown": shown, "turns": turns,
         "answer_json": json.dumps(label.answer, ensure_ascii=False), "can_review": request.membership.can_review,
         "history": history, "revisable": label_is_revisable(project=project, label=label, user=request.user),
         "editable_until": label_editable_until(project=project, label=label), "error": error},
        status=status,
    )
