"""Asking for a training run: by hand ("Train now"), over the API, or from the weekly
schedule. Creating a run is cheap; the snapshot and the training happen in the worker.
"""
from django.db import IntegrityError, transaction

from feedback.labelling.models import Project
from feedback.loop.models import RunStatus, TrainingRun, TrainingSettings
from feedback.loop.selectors import active_run, new_preference_count
from feedback.loop.services.jobs import job_cancel
from feedback.loop.tasks import run_training as run_training_task


class RunConflict(Exception):
    """The project already has a queued or running run."""

    def __init__(self, active: TrainingRun):
        super().__init__(f"Run {active.pk} is already {active.status}; one run at a time per project.")
        self.active = active


def training_settings(*, project: Project) -> TrainingSettings:
    """The project's settings row, created with the defaults on first use."""
    return TrainingSettings.objects.get_or_create(project=project)[0]


def run_config(*, config: TrainingSettings) -> dict:
    """What a run keeps of its project's settings: later edits don't change a queued run."""
    return {"hyperparameters": config.hyperparameters, "min_agreement": config.min_agreement,
            "promotion_margin": config.promotion_margin, "min_heldout_pairs": config.min_heldout_pairs,
            "timeout_minutes": config.timeout_minutes,
            "continue_from_promoted": config.continue_from_promoted}


def run_request(*, project: Project, trigger: str = "manual", user=None) -> TrainingRun:
    """Queue a run with the project's current settings and enqueue the worker task once
    the row is committed. Raises RunConflict while another run is active."""
    config = training_settings(project=project)
    with transaction.atomic():
        if existing := active_run(project=project):
            raise RunConflict(existing)
        try:
            with transaction.atomic():  # the unique constraint is the real guard under races
                run = TrainingRun.objects.create(
                    project=project, algorithm=config.algorithm, trigger=trigger, requested_by=user,
                    config=run_config(config=config),
                )
        except IntegrityError:
            raise RunConflict(active_run(project=project)) from None
        transaction.on_commit(lambda: run_training_task.delay(run.pk))
    return run


def run_skip(*, project: Project, algorithm: str, reason: str, trigger: str = "schedule") -> TrainingRun:
    """Record why a scheduled run did not happen, so the runs page can say so."""
    return TrainingRun.objects.create(
        project=project, algorithm=algorithm, trigger=trigger, status=RunStatus.SKIPPED, skip_reason=reason
    )


def scheduled_retraining() -> dict[str, str]:
    """For each project with retraining on: queue a run when enough new preferences have
    arrived since the last snapshot, else record why not. Returns slug → outcome."""
    outcomes = {}
    for config in TrainingSettings.objects.filter(retraining_enabled=True).select_related("project"):
        project = config.project
        fresh = new_preference_count(project=project, algorithm=config.algorithm)
        if fresh < config.min_new_preferences:
            run_skip(project=project, algorithm=config.algorithm,
                     reason=f"{fresh} new labels since the last snapshot; "
                     f"the project waits for {config.min_new_preferences}.")
            outcomes[project.slug] = "skipped: too few new labels"
            continue
        try:
            run = run_request(project=project, trigger="schedule")
        except RunConflict as conflict:
            run_skip(project=project, algorithm=config.algorithm, reason=str(conflict))
            outcomes[project.slug] = "skipped: a run is active"
            continue
        outcomes[project.slug] = f"queued run {run.pk}"
    return outcomes


def run_cancel(*, run: TrainingRun) -> TrainingRun:
    """A queued run is cancelled at once; a running one is flagged and its worker kills
    the trainer within a second or two (jobs.job_cancel)."""
    return job_cancel(job=run)
