"""Celery tasks of the loop: thin, they take ids and call services.

Services import these tasks (to enqueue them on commit); the tasks import the services
they run inside their bodies, so the arrow between the two runs one way at import time.

run_training goes to the `training` queue (CELERY_TASK_ROUTES), whose worker runs with
concurrency 1: one trainer per machine, and one run per project by a DB constraint.
"""
from celery import shared_task
from celery.signals import celeryd_after_setup

TRAINING_QUEUE = "training"


@shared_task(name="feedback.loop.tasks.run_training")
def run_training(run_id: int) -> str | None:
    from feedback.loop.services.executor import run_execute

    run = run_execute(run_id=run_id)
    return run.status if run else None


@shared_task(name="feedback.loop.tasks.run_generation_round")
def run_generation_round(round_id: int) -> str | None:
    from feedback.loop.services.rounds import round_execute

    generation = round_execute(round_id=round_id)
    return generation.status if generation else None


@shared_task(name="feedback.loop.tasks.scheduled_retraining")
def scheduled_retraining() -> dict:
    from feedback.loop.services.training_requests import scheduled_retraining as retraining_check

    return retraining_check()


@shared_task(name="feedback.loop.tasks.refit_leaderboard")
def refit_leaderboard(project_id: int) -> int | None:
    from feedback.labelling.models import Project
    from feedback.loop.services.leaderboard_fits import leaderboard_refit

    project = Project.objects.filter(pk=project_id).first()
    return leaderboard_refit(project=project).comparison_count if project else None


@shared_task(name="feedback.loop.tasks.refit_stale_leaderboards")
def refit_stale_leaderboards() -> dict:
    from feedback.loop.services.leaderboard_fits import stale_leaderboards_refit

    return stale_leaderboards_refit()


@celeryd_after_setup.connect
def fail_jobs_orphaned_by_a_restart(sender, instance, **kwargs):
    """A training worker that starts owns no run or round yet: any still marked running
    was left by its predecessor (killed or restarted) and has no child any more."""
    from feedback.loop.services.executor import runs_fail_orphaned
    from feedback.loop.services.rounds import rounds_fail_orphaned

    if TRAINING_QUEUE in instance.app.amqp.queues.consume_from:
        runs_fail_orphaned()
        rounds_fail_orphaned()
