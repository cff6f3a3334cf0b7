"""Asking for a training run: by hand ("Train now"), over the API, or from the weekly
schedule. Creating a run is cheap; the snapshot and the training happen in the worker.
"""
from django.db import IntegrityError, transaction

from feedback.exports.models import Snapshot
from feedback.labelling.models import Label, Project, TaskKind
from feedback.loop.models import ACTIVE_RUN_STATUSES, Algorithm, RunStatus, TrainingRun, TrainingSettings

# The label kinds each algorithm learns from.
KINDS_FOR = {
    Algorithm.DPO: (TaskKind.PAIR, TaskKind.RANK),
    Algorithm.REWARD: (TaskKind.PAIR, TaskKind.RANK),
    Algorithm.KTO: (TaskKind.THUMBS, TaskKind.PAIR),
}


class RunConflict(Exception):
    """The project already has a queued or running run."""

    def __init__(self, active: TrainingRun):
        super().__init__(f"Run {active.pk} is already {active.status}; one run at a time per project.")
        self.active = active


def training_settings(project: Project) -> TrainingSettings:
    return TrainingSettings.objects.get_or_create(project=project)[0]


def active_run(project: Project) -> TrainingRun | None:
    return TrainingRun.objects.filter(project=project, status__in=ACTIVE_RUN_STATUSES).first()


def new_preference_count(project: Project, algorithm: str) -> int:
    """Labels of the kinds the algorithm trains on, newer than the last snapshot."""
    last = Snapshot.objects.filter(project=project).order_by("-last_label_id").values_list("last_label_id", flat=True).first()
    return Label.objects.filter(task__project=project, kind__in=KINDS_FOR[algorithm], id__gt=last or 0).count()


def run_config(config: TrainingSettings) -> dict:
    """What a run keeps of its project's settings: later edits don't change a queued run."""
    return {"hyperparameters": config.hyperparameters, "min_agreement": config.min_agreement,
            "promotion_margin": config.promotion_margin, "min_heldout_pairs": config.min_heldout_pairs,
            "timeout_minutes": config.timeout_minutes,
            "continue_from_promoted": config.continue_from_promoted}


def run_request(*, project: Project, trigger: str = "manual", user=None) -> TrainingRun:
    """Queue a run with the project's current settings and enqueue the worker task once
    the row is committed. Raises RunConflict while another run is active."""
    from feedback.loop.tasks import run_training

    config = training_settings(project)
    with transaction.atomic():
        if existing := active_run(project):
            raise RunConflict(existing)
        try:
            with transaction.atomic():  # the unique constraint is the real guard under races
                run = TrainingRun.objects.create(
                    project=project, algorithm=config.algorithm, trigger=trigger, requested_by=user,
                    config=run_config(config),
                )
        except IntegrityError:
            raise RunConflict(active_run(project)) from None
        transaction.on_commit(lambda: run_training.delay(run.pk))
    return run


def run_skip(project: Project, algorithm: str, reason: str, trigger: str = "schedule") -> TrainingRun:
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
        fresh = new_preference_count(project, config.algorithm)
        if fresh < config.min_new_preferences:
            run_skip(project, config.algorithm, f"{fresh} new labels since the last snapshot; "
                     f"the project waits for {config.min_new_preferences}.")
            outcomes[project.slug] = "skipped: too few new labels"
            continue
        try:
            run = run_request(project=project, trigger="schedule")
        except RunConflict as conflict:
            run_skip(project, config.algorithm, str(conflict))
            outcomes[project.slug] = "skipped: a run is active"
            continue
        outcomes[project.slug] = f"queued run {run.pk}"
    return outcomes


def run_cancel(run: TrainingRun) -> TrainingRun:
    """A queued run is cancelled at once; a running one is flagged and its worker kills
    the trainer within a second or two (the web process may be on another machine)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.QUEUED:
            run.status, run.failure_reason = RunStatus.CANCELLED, "Cancelled before it started."
            from django.utils import timezone

            run.finished_at = timezone.now()
        if run.status == RunStatus.RUNNING:
            run.cancel_requested = True
        run.save()
    return run
