"""Edit or undo one of the annotator's labels, from its page (the undo of the last
label, from the labelling page and the list: views/labelling.label_undo). Thin: the
rules are the services' (services/revisions.py)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from feedback.labelling.access import project_view
from feedback.labelling.errors import LabellingError, NothingToUndo
from feedback.labelling.forms import answer_from_post, post_from_answer, rating_rows
from feedback.labelling.models import PairChoice, TaskKind
from feedback.labelling.rubric import aspects_for, rubric_of
from feedback.labelling.selectors import labels_visible_to
from feedback.labelling.services.revisions import label_edit, label_editable_until, label_is_revisable, label_undo
from feedback.labelling.views.labels import judged_conversation, label_detail_page


GONE = "No such label of yours: it was undone already, or never given."


def _visible_label(request, project, pk):
    # Another annotator's label is a 404, as on its page.
    return labels_visible_to(request.user, project).select_related("task__prompt", "codebook").filter(pk=pk).first()


def _gone(request, project, message: str = GONE):
    return render(request, "labelling/label_gone.html", {"project": project, "nav": "labels", "message": message},
                  status=404)


def _controls(label, post=None) -> list[dict]:
    """The label's responses in the order its annotator saw them, each with what they
    gave it (or what the refused form post gave): the edit form's controls, with the
    rating rows of the label's own codebook version's rubric."""
    texts = {link.position: link.candidate.text for link in label.task.task_candidates.select_related("candidate")}
    answer = label.answer
    rated = aspects_for(rubric_of(label.codebook), label.kind)
    given_fields = post if post else post_from_answer(label.kind, answer)
    ranks = {position: i + 1 for i, position in enumerate(answer.get("order", []))} if label.kind == TaskKind.RANK else {}
    shown = []
    for i, position in enumerate(label.display_order):
        if label.kind == TaskKind.THUMBS:
            given = post.get(f"thumb_{position}", "") if post else answer.get("thumbs", {}).get(str(position), "")
        elif label.kind == TaskKind.RANK:
            given = post.get(f"rank_{position}", "") if post else str(ranks.get(position, ""))
        else:
            given = ""
        shown.append({"number": i + 1, "position": position, "text": texts.get(position, ""), "given": given,
                      "letter": "AB"[position] if label.kind == TaskKind.PAIR and position < 2 else "",
                      "ratings": rating_rows(rated, position, given_fields)})
    return shown


def _candidate_text(label) -> str:
    link = label.task.task_candidates.select_related("candidate").filter(position=0).first()
    return link.candidate.text if link else ""


def _edit_page(request, project, label, *, error: str = "", status: int = 200):
    post = request.POST if error else None
    current = {"choice": label.answer.get("choice", ""), "strength": str(label.answer.get("strength") or ""),
               "rewrite": label.rewrite, "comment": label.comment}
    given = {key: post.get(key, "") for key in current} if post else current
    return render(request, "labelling/label_edit.html", {
        "project": project, "nav": "labels", "label": label, "shown": _controls(label, post), "given": given,
        "turns": judged_conversation(label, _candidate_text(label), label.answer, post),
        "rank_choices": range(1, label.task.candidate_count + 1), "pair_extra": [PairChoice.TIE, PairChoice.BOTH_BAD],
        "editable_until": label_editable_until(project=project, label=label), "error": error,
    }, status=status)


@require_http_methods(["GET", "POST"])
@project_view()
def label_edit_view(request, project, pk):
    label = _visible_label(request, project, pk)
    if label is None:
        return _gone(request, project)
    if request.method == "GET":
        if not label_is_revisable(project=project, label=label, user=request.user):
            return label_detail_page(request, project, label, status=403,
                                     error="You cannot edit this label: only its annotator can, while the project allows it.")
        return _edit_page(request, project, label)
    try:
        answer = answer_from_post(label.kind, label.task.candidate_count, request.POST, rubric_of(label.codebook))
        _, revision = label_edit(project=project, user=request.user, label_id=label.pk, answer=answer,
                                 rewrite=request.POST.get("rewrite", ""), comment=request.POST.get("comment", ""))
    except NothingToUndo as error:
        return _gone(request, project, str(error))
    except LabellingError as error:
        return _edit_page(request, project, label, error=str(error), status=error.status_code)
    messages.success(request, "Saved your edit; the earlier answer is kept in the label's history."
                     if revision else "Nothing changed: the label is as it was.")
    return redirect("labelling:label_detail", slug=project.slug, pk=label.pk)


@require_POST
@project_view()
def label_undo_view(request, project, pk):
    label = _visible_label(request, project, pk)
    if label is None:
        return _gone(request, project)
    try:
        label_undo(project=project, user=request.user, label_id=label.pk)
    except NothingToUndo as error:
        return _gone(request, project, str(error))
    except LabellingError as error:
        return label_detail_page(request, project, label, status=error.status_code, error=str(error))
    messages.success(request, "Undone: the task is back for you to label again; your earlier answer is kept.")
    return redirect("labelling:label", slug=project.slug)
