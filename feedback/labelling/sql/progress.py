"""What the labelling page shows beside every task: the active codebook, the annotator's
labels done and the tasks left to them (the rules: selectors.progress_for)."""
from functools import cache

from feedback.labelling.models import CodebookVersion
from feedback.labelling.sql.leases import not_mine
from feedback.labelling.sql.rows import columns
from feedback.labelling.sql.tables import CODEBOOK, LABEL_WITH_TASK, PROJECT, TASK, TASK_ID


@cache
def progress() -> str:
    """For annotator %(annotator)s in project %(project)s at %(now)s: columns of the
    active CodebookVersion (all NULL without one), labels done, tasks left."""
    done = (f'SELECT COUNT(*) FROM {LABEL_WITH_TASK} '
            f'WHERE label."annotator_id" = %(annotator)s AND task."project_id" = %(project)s')
    left = (
        f'SELECT COUNT(*) FROM {TASK} task WHERE task."project_id" = project."id" AND task."is_active" '
        f'AND {not_mine(TASK_ID)} '
        f'AND ((NOT task."is_gold" AND task."calibration_for_id" IS NULL AND task."labels_done" < project."overlap") '
        f'OR task."calibration_for_id" = codebook."id" OR (task."is_gold" AND project."gold_rate" > 0))'
    )
    return (
        f'SELECT {columns(CodebookVersion, "codebook")}, ({done}), ({left}) FROM {PROJECT} project '
        f'LEFT JOIN {CODEBOOK} codebook ON codebook."project_id" = project."id" AND codebook."is_active" '
        f'WHERE project."id" = %(project)s'
    )
