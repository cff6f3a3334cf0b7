"""Acting on label quality: adjudication, gold items, calibration sets, tiers."""
from django.db import transaction
from django.utils import timezone

from feedback.labelling.models import CodebookVersion, Membership, Task, Tier
from feedback.labelling.selectors import task_rubric, turns_context
from feedback.labelling.services.codebooks import calibration_copy
from feedback.labelling.services.labels import validate_answer
from feedback.quality.models import Adjudication


@transaction.atomic
def adjudicate(*, task: Task, reviewer, answer: dict, note: str = "", make_gold: bool = False) -> Adjudication:
    """Record (or replace) the final answer for a task; exports use it over the majority.
    With make_gold the task also becomes a gold item with that answer. Ratings are on the
    rubric of the task's latest label's codebook version (labelling.selectors.task_rubric)."""
    answer = _validated(task, answer)
    adjudication, created = Adjudication.objects.get_or_create(
        task=task, defaults={"answer": answer, "reviewer": reviewer, "note": note}
    )
    if not created:
        adjudication.answer, adjudication.reviewer, adjudication.note = answer, reviewer, note
        adjudication.updated_at = timezone.now()
        adjudication.save()
    if make_gold:
        gold_mark(task=task, answer=answer)
    return adjudication


def gold_mark(*, task: Task, answer: dict | None) -> Task:
    """Make a task a gold item with its expected answer (None: no longer gold). Gold
    items are served to every annotator at the project's gold rate, looking like any task."""
    if answer is None:
        Task.objects.filter(pk=task.pk).update(is_gold=False, gold_answer=None)
    else:
        answer = _validated(task, answer)
        Task.objects.filter(pk=task.pk).update(is_gold=True, gold_answer=answer)
    task.refresh_from_db()
    return task


def _validated(task: Task, answer) -> dict:
    """A final or gold answer, checked as a label's is, on the rubric of the task's latest
    label's codebook version (labelling.selectors.task_rubric)."""
    return validate_answer(kind=task.kind, n_candidates=task.candidate_count, answer=answer,
                           aspects=task_rubric(task), **turns_context(task=task))


def tier_apply(*, membership: Membership, tier: str) -> Membership:
    if tier not in Tier.values:
        raise ValueError(f"tier: one of {', '.join(Tier.values)}")
    Membership.objects.filter(pk=membership.pk).update(tier=tier)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def calibration_add(*, codebook: CodebookVersion, tasks) -> list[Task]:
    """Put these tasks' prompts and candidates into `codebook`'s calibration set: every
    annotator labels them before anything else, and each later version carries the set
    over (see codebook_publish). Gold and calibration items themselves are not copied."""
    tasks = [task for task in tasks if task.project_id == codebook.project_id]
    if not tasks:
        raise ValueError("Pick tasks of this project.")
    return [calibration_copy(task=task, codebook=codebook) for task in tasks
            if not task.is_gold and task.calibration_for_id is None]
