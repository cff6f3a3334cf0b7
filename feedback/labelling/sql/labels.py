"""The submit: the caller's assignment locked with what the checks read, the label
stored under a submission id, and the lease and task a new label finishes (the label's
own INSERT is rows.insert)."""
from functools import cache

from django.db import connection

from feedback.labelling.models import Assignment, AssignmentStatus, Label, Task
from feedback.labelling.sql.rows import columns
from feedback.labelling.sql.tables import (
    ACKNOWLEDGEMENT,
    ASSIGNMENT,
    ASSIGNMENT_WITH_TASK,
    CODEBOOK,
    LABEL_WITH_TASK,
    PROJECT,
    PROMPT,
    TASK,
    USER,
)


@cache
def locked_assignment(*, chosen_version: bool) -> str:
    """Assignment %(assignment)s of annotator %(annotator)s, its task row locked: columns
    of Assignment, of Task, then the prompt's external id, the project's overlap, the
    codebook's id, version, is_active and rubric (as stored), and whether the annotator acknowledged it.
    The codebook is version %(version)s where `chosen_version`, else the active one.

    The lock is FOR NO KEY UPDATE (what an UPDATE of the row takes), not FOR UPDATE:
    it still serializes with the pickers and other submits, but not with the foreign-key
    checks (FOR KEY SHARE) that other annotators' new labels and leases of the task run
    at commit."""
    lock = " FOR NO KEY UPDATE OF task" if connection.features.has_select_for_no_key_update else ""
    which = 'codebook."version" = %(version)s' if chosen_version else 'codebook."is_active"'
    acknowledged = (f'EXISTS (SELECT 1 FROM {ACKNOWLEDGEMENT} acknowledgement WHERE acknowledgement."codebook_id" = '
                    f'codebook."id" AND acknowledgement."user_id" = assignment."annotator_id")')
    return (
        f'SELECT {columns(Assignment, "assignment")}, {columns(Task, "task")}, prompt."external_id", project."overlap", '
        f'codebook."id", codebook."version", codebook."is_active", codebook."rubric", {acknowledged} '
        f'FROM {ASSIGNMENT_WITH_TASK} INNER JOIN {PROMPT} prompt ON prompt."id" = task."prompt_id" '
        f'INNER JOIN {PROJECT} project ON project."id" = task."project_id" '
        f'LEFT OUTER JOIN {CODEBOOK} codebook ON codebook."project_id" = task."project_id" AND {which} '
        f'WHERE assignment."id" = %(assignment)s AND assignment."annotator_id" = %(annotator)s{lock}'
    )


@cache
def stored_label() -> str:
    """The label stored under submission %(submission)s: columns of Label, then the task's
    prompt id, the prompt's external id, the annotator's username, the codebook's version
    (what its API payload reads)."""
    return (
        f'SELECT {columns(Label, "label")}, task."prompt_id", prompt."external_id", annotator."username", '
        f'codebook."version" FROM {LABEL_WITH_TASK} INNER JOIN {PROMPT} prompt ON prompt."id" = task."prompt_id" '
        f'INNER JOIN {USER} annotator ON annotator."id" = label."annotator_id" '
        f'INNER JOIN {CODEBOOK} codebook ON codebook."id" = label."codebook_id" '
        f'WHERE label."submission_id" = %(submission)s'
    )


# What a new label finishes: its lease (done at %(now)s), and one more label on its task.
LEASE_DONE = (f'UPDATE {ASSIGNMENT} SET "status" = \'{AssignmentStatus.DONE}\', "finished_at" = %(now)s '
              f'WHERE "id" = %(assignment)s')
TASK_LABELLED = f'UPDATE {TASK} SET "labels_done" = "labels_done" + 1 WHERE "id" = %(task)s'
