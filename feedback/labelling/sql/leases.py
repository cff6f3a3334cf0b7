"""Leases: when one is live, what keeps a task from an annotator, how many live leases a
task holds, and the statement that takes a lease. The definitions every other statement
(and the tests' ORM twins) builds on."""
from functools import cache

from django.db import connection

from feedback.labelling.models import AssignmentStatus
from feedback.labelling.sql.tables import ASSIGNMENT, TASK

LEASED = AssignmentStatus.LEASED
FINISHED = (AssignmentStatus.DONE, AssignmentStatus.SKIPPED)
_FINISHED = ", ".join(f"'{status}'" for status in FINISHED)


def live(lease: str) -> str:
    """The assignment aliased `lease` is a live lease: leased, and not run out at
    %(now)s. (One that ran out stays 'leased' until the beat releases it.)"""
    return f"{lease}.\"status\" = '{LEASED}' AND {lease}.\"expires_at\" > %(now)s"


def live_count(task: str, *, excluding: bool = False) -> str:
    """A parenthesized count of the live leases of `task` (a column or a parameter), at
    %(now)s; `excluding`: all but assignment %(excluded)s."""
    other = ' AND live."id" <> %(excluded)s' if excluding else ""
    return f'(SELECT COUNT(*) FROM {ASSIGNMENT} live WHERE live."task_id" = {task} AND {live("live")}{other})'


@cache
def not_mine(task: str, *, per_row: bool = False) -> str:
    """Annotator %(annotator)s has no assignment of `task` (a column) that keeps it from
    them: none finished, none live at %(now)s.

    per_row, for statements that walk tasks in order and stop at the first fit: one
    probe of the task's own few assignments per task walked. Left to itself Postgres
    plans from its statistics of the annotator, which predate a new one (who then looks
    like one assignment), and scans all the annotator's assignments for every task
    walked: an anti-join against them materialized, or a scan of assignment_annotator_idx
    per task, a cost that grows with the annotator's lead and the task count
    (bench/README.md). "+ 0" keeps any index on the annotator out of it; OFFSET 0 keeps
    Postgres from turning NOT EXISTS into a join (SQLite reads no OFFSET without LIMIT,
    and makes no such join)."""
    annotator = 'mine."annotator_id" + 0' if per_row else 'mine."annotator_id"'
    fence = " OFFSET 0" if per_row and connection.vendor == "postgresql" else ""
    return (
        f'NOT EXISTS (SELECT 1 FROM {ASSIGNMENT} mine WHERE mine."task_id" = {task} AND {annotator} = %(annotator)s '
        f'AND (mine."status" IN ({_FINISHED}) OR ({live("mine")})){fence})'
    )


@cache
def live_leases(*, excluding: bool) -> str:
    """The live leases of task %(task)s at %(now)s (`excluding`: but %(excluded)s)."""
    return f"SELECT {live_count('%(task)s', excluding=excluding)}"


@cache
def lease_take(*, with_room: bool) -> str:
    """Lease task %(task)s to %(annotator)s: leased at %(leased_at)s until %(expires_at)s,
    candidates shown in %(display_order)s (JSON); RETURNING its id, or nothing.

    One statement: a new lease, or the renewal of this annotator's earlier lease on the
    task that ran out unfinished (a finished one is never renewed: nothing returns).
    `with_room`: only while the task's finished labels and live leases at %(now)s stay
    under %(up_to)s, counted here, fresh: under the task's row lock, exact. The WHERE is
    never left out: SQLite parses INSERT ... SELECT ... ON CONFLICT only after one."""
    room = (f'(SELECT task."labels_done" FROM {TASK} task WHERE task."id" = %(task)s) '
            f"+ {live_count('%(task)s')} < %(up_to)s") if with_room else "1 = 1"
    return (
        f'INSERT INTO {ASSIGNMENT} ("task_id", "annotator_id", "status", "leased_at", "expires_at", '
        f'"finished_at", "display_order") SELECT %(task)s, %(annotator)s, \'{LEASED}\', %(leased_at)s, %(expires_at)s, '
        f"NULL, %(display_order)s WHERE {room} "
        f'ON CONFLICT ("task_id", "annotator_id") DO UPDATE SET "status" = excluded."status", '
        f'"leased_at" = excluded."leased_at", "expires_at" = excluded."expires_at", '
        f'"finished_at" = NULL, "display_order" = excluded."display_order" '
        f"WHERE {ASSIGNMENT}.\"status\" IN ('{LEASED}', '{AssignmentStatus.RELEASED}') RETURNING \"id\""
    )
