"""Celery tasks of the loop: thin, they take ids and call services.

run_training goes to the `training` queue (CELERY_TASK_ROUTES), whose worker runs with
concurrency 1: one trainer per machine, and one run per project by a DB constraint.
"""
from celery import shared_task
from celery.signals import celeryd_after_setup

from feedback.loop.services.executor import run_execute, runs_fail_orphaned
from feedback.loop.services.requests import scheduled_retraining as retraining_check
from feedback.loop.services.rounds import round_execute

TRAINING_QUEUE = "training"


@shared_task(name="feedback.loop.tasks.run_training")
def run_training(run_id: int) -> str | None:
    run = run_execute(run_id)
    return run.status if run else None


@shared_task(name="feedback.loop.tasks.run_generation_round")
def run_generation_round(round_id: int) -> str | None:
    generation = round_execute(round_id)
    return generation.status if generation else None


@shared_task(name="feedback.loop.tasks.scheduled_retraining")
def scheduled_retraining() -> dict:
    return retraining_check()


@celeryd_after_setup.connect
def fail_runs_orphaned_by_a_restart(sender, instance, **kwargs):
    """A training worker that starts owns no run yet: any run still marked running was
    left by its predecessor (killed or restarted) and has no trainer any more."""
    if TRAINING_QUEUE in instance.app.amqp.queues.consume_from:
        runs_fail_orphaned()
