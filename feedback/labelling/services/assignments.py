"""Handing out tasks: leases, expiry, skip.

Exactness under concurrency (Postgres): the task row is the lock. A candidate task is
picked with SELECT ... FOR NO KEY UPDATE SKIP LOCKED, and only then are its live leases
counted again, by the statement that writes the lease: a fresh statement, it sees every
commit made before the lock was granted. (NO KEY UPDATE, the lock an UPDATE of the row
takes, rather than FOR UPDATE: it serializes pickers and submits all the same, without
blocking the foreign-key checks of other transactions' new rows on the task.) Label
submission takes the same lock, so a task never holds more than k finished labels plus
live leases; the unique (task, annotator) constraint makes "never the same task twice"
hold even against a bug here. On SQLite, transactions are serialized (BEGIN
IMMEDIATE), which gives the same guarantee.

This is the hot path of the labelling page and the API: every query here is counted
(its statements: feedback/labelling/sql/assignments.py and leases.py).
"""
import json
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus, Project, Task
from feedback.labelling.sql import assignments as sql
from feedback.labelling.sql.leases import lease_take
from feedback.labelling.sql.rows import db_datetime, fetch_all, fetch_one, first_row

# How many times one request retries when the task it locked filled up meanwhile.
PICK_ATTEMPTS = 8


def task_is_unlimited(*, task: Task) -> bool:
    """Gold and calibration items go to every annotator once, outside the overlap k."""
    return task.is_gold or task.calibration_for_id is not None


def _lease_next(project: Project, user, now) -> Assignment | None:
    tried: list[int] = []
    for _ in range(PICK_ATTEMPTS):
        params = {"project": project.pk, "overlap": project.overlap, "annotator": user.pk, "now": db_datetime(now),
                  **sql.tried_params(tried)}
        task = first_row(Task, sql.regular_pick(tried=len(tried)), params)
        if task is None:
            return None
        assignment = _lease(task, user, now=now, project=project, up_to=project.overlap)
        if assignment is not None:
            return assignment
        tried.append(task.pk)
    return None


def _pick_gold(project: Project, user, now) -> Task | None:
    """At the project's gold rate, a gold item, served like any other task so
    annotators cannot tell."""
    if project.gold_rate <= 0 or random.random() >= project.gold_rate:
        return None
    return _open_gold(project, user, now)


def _open_gold(project: Project, user, now) -> Task | None:
    gold = fetch_all(sql.open_gold(), {"project": project.pk, "annotator": user.pk, "now": db_datetime(now)})
    return Task.objects.get(pk=random.choice(gold)[0]) if gold else None


def _lease(task: Task, user, *, now, project: Project, up_to: int | None = None) -> Assignment | None:
    """Lease `task` to the annotator; with `up_to`, only while its finished labels and
    live leases stay under that many (else None). Call with the task row locked."""
    expires = now + timedelta(minutes=project.lease_minutes)
    order = list(range(task.candidate_count))
    random.shuffle(order)
    params = {"task": task.pk, "annotator": user.pk, "leased_at": db_datetime(now),
              "expires_at": db_datetime(expires), "display_order": json.dumps(order)}
    if up_to is not None:
        params.update(now=db_datetime(now), up_to=up_to)
    row = fetch_one(lease_take(with_room=up_to is not None), params)
    if row is None:
        return None
    return Assignment(id=row[0], task=task, annotator=user, status=AssignmentStatus.LEASED, leased_at=now,
                      expires_at=expires, display_order=order)


# No savepoint when called inside a transaction (a submit's, see label_submit_and_next):
# two round trips fewer, and an error here rolls the caller's writes back with it.
@transaction.atomic(savepoint=False)
def assignment_next(*, project: Project, user, now=None) -> Assignment | None:
    """The annotator's live lease if they hold one, else a new lease on the next task;
    None when nothing is left for them."""
    now = now or timezone.now()
    held, calibration = fetch_one(sql.held_and_calibration(),
                                  {"project": project.pk, "annotator": user.pk, "now": db_datetime(now)})
    if held is not None:  # its task is loaded on first use
        return first_row(Assignment, sql.assignment_by_id(), {"assignment": held})
    task = Task.objects.get(pk=calibration) if calibration is not None else _pick_gold(project, user, now)
    if task is None:
        assignment = _lease_next(project, user, now)
        if assignment is not None or project.gold_rate <= 0:
            return assignment
        # Nothing regular is left: the gold items they have not done yet, so that "All
        # caught up" never stands while a reload could still draw one (selectors.
        # progress_for counts them).
        task = _open_gold(project, user, now)
        if task is None:
            return None
    assignment = _lease(task, user, now=now, project=project)
    if assignment is None:
        raise RuntimeError(f"task {task.pk} was already finished by annotator {user.pk}")
    return assignment


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


def tasks_release_expired(*, now=None) -> int:
    """Housekeeping for the beat: mark leases that ran out as released. The assignment
    logic already ignores them; this keeps dashboards honest."""
    now = now or timezone.now()
    return Assignment.objects.filter(status=AssignmentStatus.LEASED, expires_at__lte=now).update(
        status=AssignmentStatus.RELEASED, finished_at=F("expires_at")
    )
