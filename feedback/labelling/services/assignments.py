"""Handing out tasks: leases, expiry, skip.

Exactness under concurrency (Postgres): the task row is the lock. A candidate task is
picked with SELECT ... FOR UPDATE SKIP LOCKED, and only then are its live leases
counted again, in a fresh statement that sees every commit made before the lock was
granted. Label submission takes the same lock, so a task never holds more than k
finished labels plus live leases; the unique (task, annotator) constraint makes "never
the same task twice" hold even against a bug here. On SQLite, transactions are
serialized (BEGIN IMMEDIATE), which gives the same guarantee.

This is the hot path of the labelling page and the API: every query here is counted.
"""
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus, CodebookVersion, Project, Task

# How many times one request retries when the task it locked filled up meanwhile.
PICK_ATTEMPTS = 8
FINISHED = (AssignmentStatus.DONE, AssignmentStatus.SKIPPED)


def live_leases(task_id: int, *, now, exclude_assignment: int | None = None) -> int:
    qs = Assignment.objects.filter(task_id=task_id, status=AssignmentStatus.LEASED, expires_at__gt=now)
    if exclude_assignment is not None:
        qs = qs.exclude(pk=exclude_assignment)
    return qs.count()


def task_is_unlimited(task: Task) -> bool:
    """Gold and calibration items go to every annotator once, outside the overlap k."""
    return task.is_gold or task.calibration_for_id is not None


def _mine(user, now):
    """This annotator's assignments that keep a task from them: finished, or held."""
    return Assignment.objects.filter(task=OuterRef("pk"), annotator=user).filter(
        Q(status__in=FINISHED) | Q(status=AssignmentStatus.LEASED, expires_at__gt=now)
    )


def _eligible(project: Project, user, now):
    return Task.objects.filter(project=project, is_active=True).exclude(Exists(_mine(user, now)))


def _regular_pool(project: Project, user, now):
    """Open regular tasks, nearly-done first so complete labels accumulate steadily. The
    order matches the partial index task_pool_idx, so Postgres walks it and stops at the
    first fit. The live-lease count here only narrows the pool; the count that decides
    is taken again under the lock."""
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
        .alias(live=Coalesce(Subquery(live), 0))
        .filter(live__lt=project.overlap - F("labels_done"))
        .order_by("-labels_done", "id")
    )


def _pick_calibration(project: Project, user, now) -> Task | None:
    """Calibration items of the active codebook come before anything else. The codebook
    is matched by id (a scalar subquery), so Postgres reads the calibration_for index;
    joined on is_active instead, it walked every task of the project in id order."""
    active = CodebookVersion.objects.filter(project=project, is_active=True).values("pk")[:1]
    return _eligible(project, user, now).filter(calibration_for_id=Subquery(active)).order_by("id").first()


def _lock_next(project: Project, user, now) -> Task | None:
    tried: list[int] = []
    for _ in range(PICK_ATTEMPTS):
        task = (
            _regular_pool(project, user, now)
            .exclude(pk__in=tried)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if task is None:
            return None
        # A fresh statement under the row lock: this count is exact.
        if task.labels_done + live_leases(task.pk, now=now) < project.overlap:
            return task
        tried.append(task.pk)
    return None


def _pick_gold(project: Project, user, now) -> Task | None:
    """At the project's gold rate, a gold item, served like any other task so
    annotators cannot tell."""
    if project.gold_rate <= 0 or random.random() >= project.gold_rate:
        return None
    gold = list(_eligible(project, user, now).filter(is_gold=True).values_list("pk", flat=True)[:50])
    return Task.objects.get(pk=random.choice(gold)) if gold else None


def _lease(task: Task, user, *, now, project: Project) -> Assignment:
    expires = now + timedelta(minutes=project.lease_minutes)
    order = list(range(task.candidate_count))
    random.shuffle(order)
    # An earlier lease of this annotator on this task that ran out unfinished is renewed.
    renewed = Assignment.objects.filter(
        task=task, annotator=user, status__in=(AssignmentStatus.LEASED, AssignmentStatus.RELEASED)
    ).update(status=AssignmentStatus.LEASED, leased_at=now, expires_at=expires, display_order=order, finished_at=None)
    if renewed:
        return Assignment.objects.select_related("task").get(task=task, annotator=user)
    assignment = Assignment.objects.create(
        task=task, annotator=user, leased_at=now, expires_at=expires, display_order=order
    )
    assignment.task = task
    return assignment


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
    task = _pick_calibration(project, user, now) or _pick_gold(project, user, now) or _lock_next(project, user, now)
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
    return (
        _eligible(project, user, now)
        .filter(
            Q(is_gold=False, calibration_for__isnull=True, labels_done__lt=project.overlap)
            | Q(calibration_for__is_active=True)
        )
        .count()
    )


def tasks_release_expired(*, now=None) -> int:
    """Housekeeping for the beat: mark leases that ran out as released. The assignment
    logic already ignores them; this keeps dashboards honest."""
    now = now or timezone.now()
    return Assignment.objects.filter(status=AssignmentStatus.LEASED, expires_at__lte=now).update(
        status=AssignmentStatus.RELEASED, finished_at=F("expires_at")
    )
