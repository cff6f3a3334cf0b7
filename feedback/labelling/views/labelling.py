"""The annotator's labelling page: one task at a time, swapped in with htmx; every
action is also a plain form post for browsers without JavaScript."""
import time
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from feedback.bounds import INT_MAX, whole_number
from feedback.labelling.access import project_view
from feedback.labelling.errors import CodebookNotAcknowledged, InvalidAnswer, LabellingError, SubmissionIdReused
from feedback.labelling.forms import shown_responses, submission_from_post
from feedback.labelling.models import Assignment, AssignmentStatus, TaskKind
from feedback.labelling.rendering import render_markdown
from feedback.labelling.rubric import RUBRIC_KINDS, rubric_of
from feedback.labelling.selectors import active_codebook, assignment_of, assignment_payload, progress_for
from feedback.labelling.services.assignments import assignment_next, assignment_skip
from feedback.labelling.services.codebooks import codebook_require_acknowledged
from feedback.labelling.services.labels import label_submit_and_next
from feedback.labelling.services.revisions import label_undo_last
from feedback.labelling.turns import shown_turns, turn_aspects


def _codebook_gate(request, project):
    """None when the annotator may label; else the response that sends them to read
    (and acknowledge) the active codebook first."""
    try:
        codebook_require_acknowledged(project=project, user=request.user)
    except CodebookNotAcknowledged as refusal:
        return _to_codebook(request, project, refusal)
    return None


def _to_codebook(request, project, refusal: CodebookNotAcknowledged):
    messages.info(request, str(refusal))
    target = reverse("labelling:codebook", args=[project.slug]) + "?next=label"
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def _task_context(request, project, assignment: Assignment | None, *, error: str = "", saved: bool = False,
                  again: bool = False, undone: bool = False):
    """`again`: the same task shown again with `error`, keeping what the annotator gave;
    `undone`: the task is back after an undo of its label."""
    progress = progress_for(project=project, user=request.user)
    context = {
        "project": project,
        "nav": "label",
        "codebook": progress.codebook,
        "saved": saved,
        "undone": undone,
        "error": error,
        "done": progress.done,
        # With a task shown, an upper bound ("up to"); with none, the page has nothing to
        # give: what the count holds is with other annotators (see progress_for).
        "remaining": progress.remaining if assignment is not None else 0,
        "held_by_others": progress.remaining if assignment is None else 0,
        "assignment": assignment,
    }
    if assignment is None:
        return context
    # What the API hands a client to label, rendered: one statement for the prompt and
    # the candidates in the annotator's order.
    payload = assignment_payload(assignment)
    task = payload["task"]
    post = request.POST if again else {}
    aspects = rubric_of(progress.codebook)  # a new lease is given under the active version
    shown = shown_responses(task["kind"], payload["candidates"], post, aspects)  # with what they had given each
    context.update(
        {
            "task": {"pk": task["id"], "kind": task["kind"], "kind_label": TaskKind(task["kind"]).label},
            "prompt": task["prompt"],
            "shown": shown,
            "rank_choices": range(1, len(payload["candidates"]) + 1),
            "rated": any(item["ratings"] for item in shown),
            "submission_id": uuid.uuid4(),
            "rendered_at_ms": int(time.time() * 1000),
            "post": post,
        }
    )
    if task["kind"] == TaskKind.TURNS:
        context["turns"] = _shown_turns(task["prompt"]["messages"], payload["candidates"], post, progress.codebook)
    return context


def _shown_turns(messages, candidates, post, codebook) -> list[dict]:
    """The conversation to judge turn by turn, rated on the active codebook's rubric
    (the version the page labels under)."""
    aspects = turn_aspects(codebook.rubric if codebook else None)
    return shown_turns(messages, candidates[0]["text"] if candidates else "", post, aspects)


def _render_task(request, project, assignment, *, status=200, **kwargs):
    context = _task_context(request, project, assignment, **kwargs)
    template = "labelling/partials/task.html" if request.htmx else "labelling/label.html"
    if not request.htmx:
        context["codebook_html"] = render_markdown(context["codebook"].text) if context["codebook"] else ""
        context["aspects"] = rubric_of(context["codebook"])
    return render(request, template, context, status=status)


@project_view()
def label_next(request, project):
    gate = _codebook_gate(request, project)
    if gate is not None:
        return gate
    assignment = assignment_next(project=project, user=request.user)
    return _render_task(request, project, assignment)


def _own_assignment(request, project, assignment_id) -> Assignment:
    assignment = assignment_of(request.user, project, assignment_id)
    if assignment is None:
        raise Http404("No such assignment of yours.")
    return assignment


@require_POST
@project_view()
def label_submit(request, project, assignment_id):
    assignment = _own_assignment(request, project, assignment_id)
    task = assignment.task
    try:
        submission = submission_from_post(kind=task.kind, n_candidates=task.candidate_count, post=request.POST,
                                          aspects=_posted_rubric(project, request.POST) if task.kind in RUBRIC_KINDS else ())
        result = label_submit_and_next(project=project, assignment_id=assignment.pk, user=request.user,
                                       submission=submission)
    except LabellingError as error:
        if assignment.status == AssignmentStatus.LEASED and isinstance(error, (InvalidAnswer, SubmissionIdReused)):
            # Nothing was saved and the task is still theirs: show it again with the
            # message, keeping what was given (and a fresh submission id).
            return _render_task(request, project, assignment, error=str(error), again=True,
                                status=200 if request.htmx else error.status_code)
        return _next(request, project, warning=str(error))
    if result.next_refused:
        return _to_codebook(request, project, result.next_refused)
    if not request.htmx:
        messages.success(request, "Saved.")
        return redirect("labelling:label", slug=project.slug)  # shows the lease just taken
    return _render_task(request, project, result.next, saved=True)


def _posted_rubric(project, post) -> list:
    """The rubric of the codebook version the form was shown under (the active one when
    it names none): the one its rating fields were drawn from, and the label's."""
    version = whole_number(post.get("codebook_version") or "", INT_MAX)
    codebook = project.codebooks.filter(version=version).first() if version else active_codebook(project)
    return rubric_of(codebook)


@require_POST
@project_view()
def label_skip(request, project, assignment_id):
    assignment = _own_assignment(request, project, assignment_id)
    assignment_skip(assignment=assignment, user=request.user)
    return _next(request, project)


@require_POST
@project_view()
def label_undo(request, project):
    """Undo the annotator's last label: its task is the one shown next (from the labelling
    page with htmx, or a plain post from there or from their labels)."""
    try:
        label_undo_last(project=project, user=request.user)
    except LabellingError as error:
        if not request.htmx:  # a refusal: the labelling page, its message among the page's
            messages.error(request, str(error))
            return redirect("labelling:label", slug=project.slug)
        return _next(request, project, warning=str(error))
    if not request.htmx:
        messages.success(request, "Undone: the task is back for you to label again; your earlier answer is kept.")
        return redirect("labelling:label", slug=project.slug)
    gate = _codebook_gate(request, project)
    if gate is not None:
        return gate
    return _render_task(request, project, assignment_next(project=project, user=request.user), undone=True)


def _next(request, project, *, warning: str = ""):
    """The next task; `warning` says why the last one was not saved (htmx swaps in only
    the task area, so it is shown there rather than among the page's messages)."""
    if not request.htmx:
        if warning:
            messages.warning(request, warning)
        return redirect("labelling:label", slug=project.slug)
    gate = _codebook_gate(request, project)
    if gate is not None:
        return gate
    assignment = assignment_next(project=project, user=request.user)
    return _render_task(request, project, assignment, error=warning)
