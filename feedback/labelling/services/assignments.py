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

This is the hot path of the labelling page and the API: every query here is counted.
"""
import json
import random
from datetime import timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus, CodebookVersion, Label, Project, Task
from feedback.labelling.services.sql import columns, db_datetime, first_row, first_row_of, table

# How many times one request retries when the task it locked filled up meanwhile.
PICK_ATTEMPTS = 8
FINISHED = (AssignmentStatus.DONE, AssignmentStatus.SKIPPED)

# The hot path is plain SQL (see sql.py); the rest stays with the ORM.
TASK, ASSIGNMENT, CODEBOOK, LABEL = table(Task), table(Assignment), table(CodebookVersion), table(Label)
_FINISHED = ", ".join(f"'{status}'" for status in FINISHED)


def _not_mine(*, per_row: bool = False) -> str:
    """This annotator's assignments that keep a task from them: finished, or held. The
    one definition, for the raw statements and (through RawSQL) the ORM querysets.
    Params: annotator id, now.

    per_row, for statements that walk tasks in order and stop at the first fit: one
    probe of the task's own few assignments per task walked. Left to itself Postgres
    plans from its statistics of the annotator, which predate a new one (who then looks
    like one assignment), and scans all the annotator's assignments for every task
    walked: an anti-join against them materialized, or a scan of assignment_annotator_idx
    per task (3.6-4.3 ms a pick for an annotator 300 open tasks ahead of the others, and
    growing with both). "+ 0" keeps any index on the annotator out of it; OFFSET 0 keeps
    Postgres from turning NOT EXISTS into a join (SQLite reads no OFFSET without LIMIT,
    and makes no such join)."""
    annotator = 'm."annotator_id" + 0' if per_row else 'm."annotator_id"'
    fence = " OFFSET 0" if per_row and connection.vendor == "postgresql" else ""
    return (
        f"NOT EXISTS (SELECT 1 FROM {ASSIGNMENT} m WHERE m.\"task_id\" = {TASK}.\"id\" AND {annotator} = %s "
        f"AND (m.\"status\" IN ({_FINISHED}) "
        f"OR (m.\"status\" = '{AssignmentStatus.LEASED}' AND m.\"expires_at\" > %s)){fence})"
    )


def _live_leases_sql(task: str, *, excluding: bool = False) -> str:
    """A parenthesized count of the live leases of `task` (a column or a placeholder).
    Params: now, then the excluded assignment's id when `excluding`."""
    other = ' AND l."id" <> %s' if excluding else ""
    return (
        f"(SELECT COUNT(*) FROM {ASSIGNMENT} l WHERE l.\"task_id\" = {task} "
        f"AND l.\"status\" = '{AssignmentStatus.LEASED}' AND l.\"expires_at\" > %s{other})"
    )


def live_leases(task_id: int, *, now, exclude_assignment: int | None = None) -> int:
    excluding = exclude_assignment is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_live_leases_sql('%s', excluding=excluding)}",
                       [task_id, db_datetime(now), *([exclude_assignment] if excluding else [])])
        return cursor.fetchone()[0]


def task_is_unlimited(task: Task) -> bool:
    """Gold and calibration items go to every annotator once, outside the overlap k."""
    return task.is_gold or task.calibration_for_id is not None


def _eligible(project: Project, user, now):
    not_mine = RawSQL(_not_mine(), (user.pk, db_datetime(now)), output_field=BooleanField())
    return Task.objects.filter(not_mine, project=project, is_active=True)


def _held_and_calibration(project: Project, user, now) -> tuple[int | None, int | None]:
    """Ids of the annotator's oldest live lease in the project and of the first
    calibration item of the active codebook open to them: what every next-task call
    asks first, in one statement, since both are nearly always none. (The codebook is
    matched by id, a scalar subquery, so Postgres reads the calibration_for index.)"""
    held = (
        f"SELECT a.\"id\" FROM {ASSIGNMENT} a INNER JOIN {TASK} h ON h.\"id\" = a.\"task_id\" "
        f"WHERE h.\"project_id\" = %s AND a.\"annotator_id\" = %s AND a.\"status\" = '{AssignmentStatus.LEASED}' "
        f"AND a.\"expires_at\" > %s ORDER BY a.\"leased_at\" LIMIT 1"
    )
    active = f"SELECT c.\"id\" FROM {CODEBOOK} c WHERE c.\"project_id\" = %s AND c.\"is_active\" LIMIT 1"
    calibration = (
        f"SELECT {TASK}.\"id\" FROM {TASK} WHERE {TASK}.\"calibration_for_id\" = ({active}) "
        f"AND {TASK}.\"project_id\" = %s AND {TASK}.\"is_active\" AND {_not_mine(per_row=True)} ORDER BY {TASK}.\"id\" LIMIT 1"
    )
    params = [project.pk, user.pk, db_datetime(now), project.pk, project.pk, user.pk, db_datetime(now)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({held}), ({calibration})", params)
        return cursor.fetchone()


def _regular_pick_sql(tried: int) -> str:
    """Open regular tasks, nearly-done first so complete labels accumulate steadily, the
    first one nobody else holds locked. The order matches the partial index
    task_pool_idx, so Postgres walks it and stops at the first fit. The live-lease count
    here only narrows the pool; the count that decides is taken again under the lock."""
    excluded = f"AND {TASK}.\"id\" NOT IN ({', '.join(['%s'] * tried)}) " if tried else ""
    lock = " FOR NO KEY UPDATE SKIP LOCKED" if connection.features.has_select_for_no_key_update else ""
    live = _live_leases_sql(TASK + '."id"')
    return (
        f"SELECT {TASK}.* FROM {TASK} WHERE {TASK}.\"project_id\" = %s AND {TASK}.\"is_active\" "
        f"AND NOT {TASK}.\"is_gold\" AND {TASK}.\"calibration_for_id\" IS NULL AND {TASK}.\"labels_done\" < %s "
        f"AND {_not_mine(per_row=True)} AND {TASK}.\"labels_done\" + {live} < %s {excluded}"
        f"ORDER BY {TASK}.\"labels_done\" DESC, {TASK}.\"id\" LIMIT 1{lock}"
    )


def _lease_next(project: Project, user, now) -> Assignment | None:
    tried: list[int] = []
    for _ in range(PICK_ATTEMPTS):
        params = [project.pk, project.overlap, user.pk, db_datetime(now), db_datetime(now), project.overlap, *tried]
        task = first_row(Task, _regular_pick_sql(len(tried)), params)
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
    gold = list(_eligible(project, user, now).filter(is_gold=True).values_list("pk", flat=True)[:50])
    return Task.objects.get(pk=random.choice(gold)) if gold else None


def _lease(task: Task, user, *, now, project: Project, up_to: int | None = None) -> Assignment | None:
    """Lease `task` to the annotator; with `up_to`, only while its finished labels and
    live leases stay under that many (else None). Call with the task row locked."""
    expires = now + timedelta(minutes=project.lease_minutes)
    order = list(range(task.candidate_count))
    random.shuffle(order)
    # One statement: the count (fresh, under the row lock: exact), and a new lease, or
    # the renewal of this annotator's earlier lease on the task that ran out unfinished
    # (a finished one is never renewed: nothing returns). The WHERE is never left out:
    # SQLite parses INSERT ... SELECT ... ON CONFLICT only after one.
    room = f"(SELECT t.\"labels_done\" FROM {TASK} t WHERE t.\"id\" = %s) + {_live_leases_sql('%s')} < %s"
    room_params = [task.pk, task.pk, db_datetime(now), up_to] if up_to is not None else []
    sql = (
        f"INSERT INTO {ASSIGNMENT} (\"task_id\", \"annotator_id\", \"status\", \"leased_at\", \"expires_at\", "
        f"\"finished_at\", \"display_order\") SELECT %s, %s, %s, %s, %s, NULL, %s "
        f"WHERE {room if up_to is not None else '1 = 1'} "
        f"ON CONFLICT (\"task_id\", \"annotator_id\") DO UPDATE SET \"status\" = excluded.\"status\", "
        f"\"leased_at\" = excluded.\"leased_at\", \"expires_at\" = excluded.\"expires_at\", "
        f"\"finished_at\" = NULL, \"display_order\" = excluded.\"display_order\" "
        f"WHERE {ASSIGNMENT}.\"status\" IN ('{AssignmentStatus.LEASED}', '{AssignmentStatus.RELEASED}') RETURNING \"id\""
    )
    params = [task.pk, user.pk, AssignmentStatus.LEASED, db_datetime(now), db_datetime(expires), json.dumps(order)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + room_params)
        row = cursor.fetchone()
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
    held, calibration = _held_and_calibration(project, user, now)
    if held is not None:  # its task is loaded on first use
        return first_row(Assignment, f"SELECT a.* FROM {ASSIGNMENT} a WHERE a.\"id\" = %s", [held])
    task = Task.objects.get(pk=calibration) if calibration is not None else _pick_gold(project, user, now)
    if task is None:
        assignment = _lease_next(project, user, now)
        if assignment is not None or project.gold_rate <= 0:
            return assignment
        # Nothing regular is left: the gold items they have not done yet, so that "All
        # caught up" never stands while a reload could still draw one (progress_for
        # counts them).
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


class Progress(NamedTuple):
    codebook: CodebookVersion | None  # the active one
    done: int  # the annotator's labels in the project
    remaining: int  # tasks still open to them; some may be held by others (see progress_for)


def progress_for(*, project: Project, user, now=None) -> Progress:
    """What the labelling page shows beside every task, in one plain statement (it is on
    every label's round trip): the active codebook, and the annotator's labels done and
    tasks left.

    "Left" counts the tasks assignment_next may still give them, by its tests: the
    active codebook's calibration items, gold items where the project serves gold, and
    regular tasks short of the overlap; not what they labelled, skipped or hold. Of the
    regular ones, some may be full for now with other annotators' live leases: counting
    those leases takes a probe of every open task's assignments, which cost this
    statement three times over on each label (0.3 -> 1.0 ms with 600 open tasks), so
    the count is an upper bound and the page says "up to". When assignment_next gives
    nothing, what is counted is exactly the tasks that others hold, and the page says so
    beside "All caught up"."""
    now = now or timezone.now()
    done = (
        f'SELECT COUNT(*) FROM {LABEL} l INNER JOIN {TASK} lt ON lt."id" = l."task_id" '
        f'WHERE l."annotator_id" = %s AND lt."project_id" = %s'
    )
    remaining = (
        f'SELECT COUNT(*) FROM {TASK} WHERE {TASK}."project_id" = j."id" AND {TASK}."is_active" AND {_not_mine()} '
        f'AND ((NOT {TASK}."is_gold" AND {TASK}."calibration_for_id" IS NULL AND {TASK}."labels_done" < j."overlap") '
        f'OR {TASK}."calibration_for_id" = c."id" OR ({TASK}."is_gold" AND j."gold_rate" > 0))'
    )
    row = first_row_of(
        (CodebookVersion,),
        f'SELECT {columns(CodebookVersion, "c")}, ({done}), ({remaining}) FROM {table(Project)} j '
        f'LEFT JOIN {CODEBOOK} c ON c."project_id" = j."id" AND c."is_active" WHERE j."id" = %s',
        [user.pk, project.pk, user.pk, db_datetime(now), project.pk],
    )
    codebook, done_count, remaining_count = row
    return Progress(codebook if codebook.pk is not None else None, done_count, remaining_count)


def tasks_release_expired(*, now=None) -> int:
    """Housekeeping for the beat: mark leases that ran out as released. The assignment
    logic already ignores them; this keeps dashboards honest."""
    now = now or timezone.now()
    return Assignment.objects.filter(status=AssignmentStatus.LEASED, expires_at__lte=now).update(
        status=AssignmentStatus.RELEASED, finished_at=F("expires_at")
    )
