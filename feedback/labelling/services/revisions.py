"""Edit or undo: an annotator changes their own label while the project allows it
(Project.labels_editable_minutes after submitting). The label as it stood is kept
first, as a LabelRevision, so nothing an annotator gives is lost.

Undo deletes the label and gives the task back to its annotator: their assignment is
leased to them again, fresh, and the task counts one finished label fewer. Their slot
is the same one (a finished label becomes a live lease) so the overlap stays exact; any
other live lease they hold in the project goes back to the pool, so the task undone is
the one shown next. Both take the task's row lock first, as the submit and the pickers
do (services/assignments.py).

A snapshot is a file written when it was made: a label edited or undone afterwards stays
in it as it was."""
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from feedback.labelling.errors import NothingToUndo, RevisionRefused
from feedback.labelling.models import (
    Assignment,
    AssignmentStatus,
    Label,
    LabelRevision,
    Project,
    RevisionAction,
    Task,
)
from feedback.labelling.rubric import rubric_of
from feedback.labelling.selectors import last_label_of, turns_context
from feedback.labelling.services.labels import MAX_FREE_TEXT, validate_answer


def label_editable_until(*, project: Project, label: Label):
    """Until when the label's annotator may edit or undo it; None: never (the project
    allows no changes)."""
    if project.labels_editable_minutes <= 0:
        return None
    return label.created_at + timedelta(minutes=project.labels_editable_minutes)


def label_is_revisable(*, project: Project, label: Label, user, now=None) -> bool:
    """Whether `user` may edit or undo `label` now (what the pages offer)."""
    try:
        _check_revisable(project, label, user, now or timezone.now())
    except RevisionRefused:
        return False
    return True


def _check_revisable(project: Project, label: Label, user, now) -> None:
    if label.annotator_id != user.pk:
        raise RevisionRefused("Only the annotator who gave a label can edit or undo it.")
    until = label_editable_until(project=project, label=label)
    if until is None:
        raise RevisionRefused("Labels in this project cannot be changed once submitted.")
    if now > until:
        raise RevisionRefused(f"This label can no longer be changed: labels can be edited or undone for "
                              f"{_duration(project.labels_editable_minutes)} after they are submitted.")


def _duration(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _locked_label(project: Project, label_id: int) -> Label:
    """The project's label `label_id` with its task, the task row locked (serialized with
    the submit and the pickers); read again under the lock, since a concurrent undo may
    have deleted it meanwhile."""
    gone = NothingToUndo("No such label: it was undone already, or never given.")
    task_id = Label.objects.filter(pk=label_id, task__project=project).values_list("task_id", flat=True).first()
    if task_id is None:
        raise gone
    list(Task.objects.select_for_update(no_key=True).filter(pk=task_id).values_list("pk"))
    label = Label.objects.filter(pk=label_id).select_related("task", "codebook").first()
    if label is None:
        raise gone
    return label


def _keep(label: Label, action: str, user, now) -> LabelRevision:
    return LabelRevision.objects.create(
        label=label if action == RevisionAction.EDIT else None,
        task_id=label.task_id,
        annotator_id=label.annotator_id,
        assignment_id=label.assignment_id,
        action=action,
        label_created_at=label.created_at,
        codebook_id=label.codebook_id,
        answer=label.answer,
        rewrite=label.rewrite,
        comment=label.comment,
        display_order=label.display_order,
        changed_by=user,
        created_at=now,
    )


@transaction.atomic
def label_undo(*, project: Project, user, label_id: int, now=None) -> LabelRevision:
    """Undo the annotator's label: kept as a revision, deleted, and its task back with
    them as a fresh lease (see the module's docstring). Returns the revision."""
    now = now or timezone.now()
    label = _locked_label(project, label_id)
    _check_revisable(project, label, user, now)
    if not label.task.is_active:
        raise RevisionRefused("This task was closed: its labels can be edited but no longer undone.")
    revision = _keep(label, RevisionAction.UNDO, user, now)
    assignment_id, task_id = label.assignment_id, label.task_id
    label.delete()
    Task.objects.filter(pk=task_id).update(labels_done=F("labels_done") - 1)
    (Assignment.objects.filter(annotator=user, task__project=project, status=AssignmentStatus.LEASED, expires_at__gt=now)
     .exclude(pk=assignment_id).update(status=AssignmentStatus.RELEASED, expires_at=now, finished_at=now))
    Assignment.objects.filter(pk=assignment_id).update(
        status=AssignmentStatus.LEASED, leased_at=now, expires_at=now + timedelta(minutes=project.lease_minutes),
        finished_at=None,
    )
    return revision


def label_undo_last(*, project: Project, user, now=None) -> LabelRevision:
    """Undo the annotator's newest label in the project."""
    last = last_label_of(user, project)
    if last is None:
        raise NothingToUndo("You have no label to undo in this project.")
    return label_undo(project=project, user=user, label_id=last.pk, now=now)


@transaction.atomic
def label_edit(*, project: Project, user, label_id: int, answer, rewrite: str = "", comment: str = "",
               now=None) -> tuple[Label, LabelRevision | None]:
    """Change the annotator's answer (and rewrite, comment), validated as at submit; the
    label as it stood is kept first. Returns (label, revision); revision None when
    nothing changed (and nothing was written)."""
    now = now or timezone.now()
    label = _locked_label(project, label_id)
    _check_revisable(project, label, user, now)
    # Against the rubric the label was given under: its ratings keep meaning what they did.
    answer = validate_answer(kind=label.kind, n_candidates=label.task.candidate_count, answer=answer,
                             aspects=rubric_of(label.codebook), **turns_context(task=label.task))
    rewrite, comment = rewrite.strip()[:MAX_FREE_TEXT], comment.strip()[:MAX_FREE_TEXT]
    if (answer, rewrite, comment) == (label.answer, label.rewrite, label.comment):
        return label, None
    revision = _keep(label, RevisionAction.EDIT, user, now)
    label.answer, label.rewrite, label.comment = answer, rewrite, comment
    label.save(update_fields=["answer", "rewrite", "comment"])
    return label, revision
