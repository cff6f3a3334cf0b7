"""A task as shown: its prompt and candidates."""
from functools import cache

from feedback.labelling.sql.tables import CANDIDATE, PROMPT, TASK, TASK_CANDIDATE


@cache
def shown() -> str:
    """Task %(task)s's candidates, one row each: position, text, and the task's kind, the
    prompt's external id, messages and is_chat."""
    return (
        f'SELECT task_candidate."position", candidate."text", task."kind", prompt."external_id", prompt."messages", '
        f'prompt."is_chat" FROM {TASK_CANDIDATE} task_candidate '
        f'INNER JOIN {CANDIDATE} candidate ON candidate."id" = task_candidate."candidate_id" '
        f'INNER JOIN {TASK} task ON task."id" = task_candidate."task_id" '
        f'INNER JOIN {PROMPT} prompt ON prompt."id" = task."prompt_id" WHERE task_candidate."task_id" = %(task)s'
    )
