"""Celery tasks of the quality app: thin wrappers around services."""
from celery import shared_task


@shared_task(name="feedback.quality.tasks.fold_task_changes")
def fold_task_changes() -> int:
    from feedback.quality.kept.folding import fold

    return fold()
