"""Asking for runs: one at a time per project, and the weekly check's skip reasons."""
import pytest

from feedback.exports.services import snapshot_create
from feedback.loop.models import RunStatus, TrainingRun, TrainingSettings
from feedback.loop.selectors import new_preference_count
from feedback.loop.services.training_requests import RunConflict, run_cancel, run_request, scheduled_retraining
from tests.support.labels import learnable_pair_labels


@pytest.fixture
def labelled(project, annotators, codebook):
    learnable_pair_labels(project, annotators, codebook, 10)
    return project


def test_one_run_at_a_time_and_the_task_is_enqueued_after_commit(labelled, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = run_request(project=labelled, user=admin_user)
    assert run.status == RunStatus.QUEUED and len(callbacks) == 1
    with pytest.raises(RunConflict, match=f"Run {run.pk} is already queued"):
        run_request(project=labelled)
    run_cancel(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.finished_at
    with django_capture_on_commit_callbacks(execute=False):
        assert run_request(project=labelled).pk != run.pk  # free again


def test_cancelling_a_running_run_flags_it_for_its_worker(labelled):
    run = TrainingRun.objects.create(project=labelled, algorithm="dpo", status=RunStatus.RUNNING)
    run_cancel(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.cancel_requested


def test_weekly_check_counts_labels_since_the_last_snapshot(labelled, annotators, codebook, django_capture_on_commit_callbacks):
    TrainingSettings.objects.create(project=labelled, min_new_preferences=31)
    assert new_preference_count(project=labelled, algorithm="dpo") == 30
    assert new_preference_count(project=labelled, algorithm="kto") == 30  # pair labels count for KTO too (both-bad negatives)

    assert scheduled_retraining() == {"answers": "skipped: too few new labels"}
    skipped = TrainingRun.objects.get()
    assert skipped.status == RunStatus.SKIPPED and "30 new labels" in skipped.skip_reason and "31" in skipped.skip_reason

    snapshot_create(project=labelled)
    learnable_pair_labels(labelled, annotators, codebook, 11, prefix="more")
    assert new_preference_count(project=labelled, algorithm="dpo") == 33
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = scheduled_retraining()
    assert outcome["answers"].startswith("queued run") and len(callbacks) == 1
    assert TrainingRun.objects.filter(status=RunStatus.QUEUED, trigger="schedule").count() == 1

    with django_capture_on_commit_callbacks(execute=False):
        assert scheduled_retraining() == {"answers": "skipped: a run is active"}


def test_projects_with_retraining_off_are_left_alone(labelled):
    TrainingSettings.objects.create(project=labelled, retraining_enabled=False, min_new_preferences=1)
    assert scheduled_retraining() == {}
    assert not TrainingRun.objects.exists()
