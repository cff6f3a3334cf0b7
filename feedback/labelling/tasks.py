"""Celery tasks of the labelling app: thin wrappers around services."""
from celery import shared_task

from feedback.labelling.services.assignments import tasks_release_expired


@shared_task(name="feedback.labelling.tasks.release_expired_leases")
def release_expired_leases() -> int:
    return tasks_release_expired()
