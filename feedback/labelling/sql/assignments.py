"""Handing out tasks: the annotator's held lease, the calibration item open to them, the
next regular or gold task, and their assignment by id (the locking these statements
take part in: feedback/labelling/services/assignments.py)."""
from functools import cache

from django.db import connection

from feedback.labelling.models import Assignment, Task
from feedback.labelling.sql.leases import live, live_count, not_mine
from feedback.labelling.sql.rows import columns
from feedback.labelling.sql.tables import ASSIGNMENT, ASSIGNMENT_WITH_TASK, CODEBOOK, TASK, TASK_ID

GOLD_DRAWN_FROM = 50  # a gold item is drawn at random from the first this many open ones


@cache
def held_and_calibration() -> str:
    """(held, calibration): the id of annotator %(annotator)s's oldest live lease (at
    %(now)s) in project %(project)s, and of the first calibration item of the project's
    active codebook open to them. What every next-task call asks first, in one
    statement, since both are nearly always none. (The codebook is matched by id, a
    scalar subquery, so Postgres reads the calibration_for index.)"""
    held = (
        f'SELECT assignment."id" FROM {ASSIGNMENT_WITH_TASK} WHERE task."project_id" = %(project)s '
        f'AND assignment."annotator_id" = %(annotator)s AND {live("assignment")} '
        f'ORDER BY assignment."leased_at" LIMIT 1'
    )
    active = (f'SELECT codebook."id" FROM {CODEBOOK} codebook '
              f'WHERE codebook."project_id" = %(project)s AND codebook."is_active" LIMIT 1')
    calibration = (
        f'SELECT task."id" FROM {TASK} task WHERE task."calibration_for_id" = ({active}) '
        f'AND task."project_id" = %(project)s AND task."is_active" AND {not_mine(TASK_ID, per_row=True)} '
        f'ORDER BY task."id" LIMIT 1'
    )
    return f"SELECT ({held}), ({calibration})"


@cache
def assignment_by_id() -> str:
    """Assignment %(assignment)s (every column)."""
    return f'SELECT assignment.* FROM {ASSIGNMENT} assignment WHERE assignment."id" = %(assignment)s'


@cache
def regular_pick(*, tried: int) -> str:
    """The next regular task of project %(project)s for annotator %(annotator)s at
    %(now)s (every column), locked; `tried`: not tasks %(tried_0)s, %(tried_1)s...

    Open regular tasks, nearly-done first so complete labels accumulate steadily, the
    first one nobody else holds locked (on Postgres). The order matches the partial index
    task_pool_idx, so Postgres walks it and stops at the first fit. The live-lease count
    here only narrows the pool; the count that decides is taken again under the lock
    (leases.lease_take)."""
    excluded = f'AND task."id" NOT IN ({", ".join(tried_names(tried))}) ' if tried else ""
    lock = " FOR NO KEY UPDATE SKIP LOCKED" if connection.features.has_select_for_no_key_update else ""
    return (
        f'SELECT task.* FROM {TASK} task WHERE task."project_id" = %(project)s AND task."is_active" '
        f'AND NOT task."is_gold" AND task."calibration_for_id" IS NULL AND task."labels_done" < %(overlap)s '
        f'AND {not_mine(TASK_ID, per_row=True)} AND task."labels_done" + {live_count(TASK_ID)} < %(overlap)s '
        f'{excluded}ORDER BY task."labels_done" DESC, task."id" LIMIT 1{lock}'
    )


def tried_names(count: int) -> list[str]:
    """The placeholders of regular_pick's tasks already tried (their values: tried_params)."""
    return [f"%(tried_{i})s" for i in range(count)]


def tried_params(tried: list[int]) -> dict:
    return {f"tried_{i}": task_id for i, task_id in enumerate(tried)}


@cache
def open_gold() -> str:
    """The ids of the first GOLD_DRAWN_FROM gold items of project %(project)s open to
    annotator %(annotator)s at %(now)s."""
    return (
        f'SELECT task."id" FROM {TASK} task WHERE task."project_id" = %(project)s AND task."is_active" '
        f'AND task."is_gold" AND {not_mine(TASK_ID)} ORDER BY task."id" LIMIT {GOLD_DRAWN_FROM}'
    )


@cache
def annotators_assignment() -> str:
    """Assignment %(assignment)s of annotator %(annotator)s in project %(project)s, with
    its task (columns of Assignment, then of Task)."""
    return (
        f'SELECT {columns(Assignment, "assignment")}, {columns(Task, "task")} FROM {ASSIGNMENT_WITH_TASK} '
        f'WHERE assignment."id" = %(assignment)s AND assignment."annotator_id" = %(annotator)s '
        f'AND task."project_id" = %(project)s'
    )
