"""Handing out tasks: leases, expiry, skip.

Exactness under concurrency (Postgres): the task row is the lock. A candidate task is
picked with SELECT ... FOR UPDATE SKIP LOCKED, and only then are its finished labels
and live leases counted again, in a fresh statement that sees every commit made before
the lock was granted. Label submission takes the same lock, so a task never holds more
than k finished labels plus live leases; the unique (task, annotator) constraint makes
"never the same task twice" hold even against a bug here. On SQLite, transactions
are serialized (BEGIN IMMEDIATE), which gives the same guarantee.
"""
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.labelling.models import (
    Assignment,
    AssignmentStatus,
    Project,
    Task,
    TaskCandidate,
)

# How many candidate rows one attempt looks at before giving up on a crowded pool.
PICK_ATTEMPTS = 8


def live_leases(task_id: int, *, now, exclude_assignment: int | None = None) -> int:
    qs = Assignment.objects.filter(task_id=task_id, status=AssignmentStatus.LEASED, expires_at__gt=now)
    if exclude_assignment is not None:
        qs = qs.exclude(pk=exclude_assignment)
    return qs.count()


def task_is_unlimited(task: Task) -> bool:
    """Gold and calibration items go to every annotator once, outside the overlap k."""
    return task.is_gold or task.calibration_for_id is not None


def _display_order(task_id: int, user_id: int) -> list[int]:
    positions = list(
        TaskCandidate.objects.filter(task_id=task_id).order_by("position").values_list("position", flat=True)
    )
    random.shuffle(positions)
    return positions


def _lease(task: Task, user, *, now, project: Project) -> Assignment:
    expires = now + timedelta(minutes=project.lease_minutes)
    order = _display_order(task.pk, user.pk)
    # An earlier lease of this annotator on this task that expired unfinished is renewed.
    updated = Assignment.objects.filter(
        task=task, annotator=user, status__in=(AssignmentStatus.LEASED, AssignmentStatus.RELEASED)
    ).update(status=AssignmentStatus.LEASED, leased_at=now, expires_at=expires, display_order=order, finished_at=None)
    if updated:
        return Assignment.objects.get(task=task, annotator=user)
    return Assignment.objects.create(
        task=task, annotator=user, leased_at=now, expires_at=expires, display_order=order
    )


def _eligible(project: Project, user, now):
    """Active tasks this annotator has not finished, skipped or currently holds."""
    mine = Assignment.objects.filter(task=OuterRef("pk"), annotator=user).filter(
        Q(status__in=(AssignmentStatus.DONE, AssignmentStatus.SKIPPED))
        | Q(status=AssignmentStatus.LEASED, expires_at__gt=now)
    )
    return Task.objects.filter(project=project, is_active=True).exclude(Exists(mine))


def _regular_pool(project: Project, user, now):
    live = (
        Assignment.objects.filter(task=OuterRef("pk"), status=AssignmentStatus.LEASED, expires_at__gt=now)
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _eligible(project, user, now)
        .filter(is_gold=False, calibration_for__isnull=True, labels_done__lt=project.overlap)
        # Filters the pool only; the count that decides is taken again under the lock.
        .alias(live=Coalesce(Subquery(live), 0))
        .filter(live__lt=project.overlap - F("labels_done"))
        # Finish nearly-done tasks first so complete labels accumulate steadily.
        .order_by("-labels_done", "id")
    )


def _try_lock_regular(project: Project, user, now, tried: set[int]) -> Task | None:
    for _ in range(PICK_ATTEMPTS):
        task = (
            _regular_pool(project, user, now)
            .exclude(pk__in=tried)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if task is None:
            return None
        tried.add(task.pk)
        # Fresh counts under the row lock: these are exact.
        task.refresh_from_db(fields=["labels_done", "is_active"])
        if task.is_active and task.labels_done + live_leases(task.pk, now=now) < project.overlap:
            return task
    return None


def _pick_special(project: Project, user, now) -> Task | None:
    """A calibration item of the active codebook first; then, at the project's gold rate,
    a gold item, served like any other task so annotators cannot tell."""
    pool = _eligible(project, user, now)
    calibration = pool.filter(calibration_for__project=project, calibration_for__is_active=True).order_by("id").first()
    if calibration is not None:
        return calibration
    if project.gold_rate > 0 and random.random() < project.gold_rate:
        gold = list(pool.filter(is_gold=True).values_list("pk", flat=True)[:50])
        if gold:
            return Task.objects.get(pk=random.choice(gold))
    return None


def current_assignment(*, project: Project, user, now=None) -> Assignment | None:
    now = now or timezone.now()
    return (
        Assignment.objects.filter(
            task__project=project, annotator=user, status=AssignmentStatus.LEASED, expires_at__gt=now
        )
        .select_related("task")
        .order_by("leased_at")
        .first()
    )


@transaction.atomic
def assignment_next(*, project: Project, user, now=None) -> Assignment | None:
    """The annotator's live lease if they hold one, else a new lease on the next task;
    None when nothing is left for them."""
    now = now or timezone.now()
    held = current_assignment(project=project, user=user, now=now)
    if held is not None:
        return held
    special = _pick_special(project, user, now)
    if special is not None:
        return _lease(special, user, now=now, project=project)
    task = _try_lock_regular(project, user, now, tried=set())
    if task is None:
        return None
    return _lease(task, user, now=now, project=project)


@transaction.atomic
def assignment_skip(*, assignment: Assignment, user, now=None) -> Assignment:
    """Give the task back: its slot returns to the pool and this annotator won't get it again."""
    if assignment.annotator_id != user.pk:
        raise PermissionError("not your assignment")
    now = now or timezone.now()
    Assignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.LEASED).update(
        status=AssignmentStatus.SKIPPED, finished_at=now
    )
    assignment.refresh_from_db()
    return assignment


def remaining_for(*, project: Project, user, now=None) -> int:
    """Tasks this annotator could still be given (an estimate: others may fill them first)."""
    now = now or timezone.now()
    regular = _eligible(project, user, now).filter(
        is_gold=False, calibration_for__isnull=True, labels_done__lt=project.overlap
    )
    calibration = _eligible(project, user, now).filter(calibration_for__is_active=True, calibration_for__project=project)
    return regular.count() + calibration.count()


def tasks_release_expired(*, now=None) -> int:
    """Housekeeping for the beat: mark leases that ran out as released. The assignment
    logic already ignores them; this keeps dashboards honest."""
    now = now or timezone.now()
    return Assignment.objects.filter(status=AssignmentStatus.LEASED, expires_at__lte=now).update(
        status=AssignmentStatus.RELEASED, finished_at=F("expires_at")
    )
