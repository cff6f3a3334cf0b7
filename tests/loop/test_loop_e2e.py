"""The loop on real parts: Postgres, a Celery worker on Redis, the trainer subprocess.

Labels in the database → the weekly task → snapshot → training run → adapter →
held-out evaluation → promotion gate. And a worker killed mid-run: its successor
fails the orphaned run and nothing is promoted."""
import os
import signal
import time

import pytest

from feedback.loop.models import AdapterStatus, AdapterVersion, GenerationRound, RunStatus, TrainingRun, TrainingSettings
from feedback.loop.tasks import scheduled_retraining
from tests.support.services import celery_worker

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout, what, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.5)
    log = log_path.read_text()[-4000:] if log_path and log_path.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


@pytest.fixture
def trainer_worker_env(postgres, redis_broker, settings, model_cache):
    """What a training worker needs beyond the plain one: this test's artifact and model
    folders. The test's Celery app sends to the same Redis."""
    from feedback.celery import app
    from tests.support.services import REDIS_URL

    app.conf.broker_url = REDIS_URL
    yield {"FEEDBACK_ARTIFACTS_DIR": str(settings.ARTIFACTS_DIR), "FEEDBACK_MODEL_CACHE": str(model_cache)}
    app.conf.broker_url = settings.CELERY_BROKER_URL


def test_scheduled_run_end_to_end(loop_project, trainer_worker_env, tmp_path):
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, **trainer_worker_env):
        scheduled_retraining.delay()
        run = wait_for(lambda: TrainingRun.objects.filter(status__in=["succeeded", "failed"]).first(), 240, "the run", log)
        assert run.status == RunStatus.SUCCEEDED, run.failure_reason
        assert run.trigger == "schedule" and run.snapshot.label_count == 120
        v1 = AdapterVersion.objects.get()
        assert v1.status == AdapterStatus.PROMOTED, v1.gate_reason
        assert v1.eval_metrics["new"]["preference_accuracy"] > v1.eval_metrics["base"]["preference_accuracy"]

        # No new labels since the snapshot: the next weekly check skips and says why.
        scheduled_retraining.delay()
        skipped = wait_for(lambda: TrainingRun.objects.filter(status="skipped").first(), 60, "the skip", log)
        assert "0 new labels" in skipped.skip_reason

        # A gate nobody can pass: the new adapter is rejected, v1 stays promoted.
        TrainingSettings.objects.filter(project=loop_project).update(min_new_preferences=0, promotion_margin=1.0)
        scheduled_retraining.delay()
        v2 = wait_for(lambda: AdapterVersion.objects.filter(version=2).first(), 240, "v2", log)
        assert v2.status == AdapterStatus.REJECTED and v2.parent == v1
        v1.refresh_from_db()
        assert v1.status == AdapterStatus.PROMOTED


LONG = {"learning_rate": 5e-3, "max_steps": 2000, "per_device_train_batch_size": 4, "max_length": 64}


def test_a_worker_killed_mid_run_leaves_the_run_failed_and_nothing_promoted(
    loop_project, trainer_worker_env, tmp_path
):
    from feedback.loop.services.training_requests import run_request

    TrainingSettings.objects.filter(project=loop_project).update(hyperparameters=LONG)
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, **trainer_worker_env) as worker:
        run = run_request(project=loop_project)
        wait_for(lambda: TrainingRun.objects.filter(pk=run.pk, step__gte=1).exists(), 180, "training to start", log)
        trainer_pid = TrainingRun.objects.get(pk=run.pk).worker_pid
        os.kill(worker.pid, signal.SIGKILL)  # the worker dies; its trainer (own process group) lives on
        worker.wait(30)
    os.kill(trainer_pid, 0)
    with celery_worker(log_path=tmp_path / "worker2.log", **trainer_worker_env):
        failed = wait_for(lambda: TrainingRun.objects.filter(pk=run.pk, status="failed").first(), 60, "the orphan")
    assert "restarted" in failed.failure_reason
    wait_for(lambda: not os.path.exists(f"/proc/{trainer_pid}") or _zombie(trainer_pid), 30, "the stray trainer to stop")
    assert not AdapterVersion.objects.exists()


def _zombie(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] == "Z"


def test_a_round_stopped_with_its_worker_says_so_and_leaves_no_generator(loop_project, trainer_worker_env, tmp_path):
    from feedback.loop.services.rounds import round_request

    log = tmp_path / "worker.log"
    with celery_worker(log_path=log, **trainer_worker_env) as worker:
        generation = round_request(project=loop_project, prompts=8, split="any", pairing="samples",
                                   max_new_tokens=4000, batch_size=1)
        running = wait_for(lambda: GenerationRound.objects.filter(pk=generation.pk, phase="generating").first(), 180,
                           "generation to start", log)
        assert running.worker_pid
        # Ctrl+C twice (or a supervisor that insists): Celery's cold, then hard shutdown raises
        # WorkerTerminate, a SystemExit, into the running task. (A warm shutdown, one SIGTERM,
        # lets the round finish; a SIGKILL leaves it to the next worker, as an orphan.)
        os.kill(worker.pid, signal.SIGINT)
        time.sleep(1)
        os.kill(worker.pid, signal.SIGINT)
        worker.wait(60)
    generation.refresh_from_db()
    assert generation.status == RunStatus.FAILED, generation.failure_reason
    assert generation.failure_reason == "Stopped: the worker was shut down during the round; the generator was stopped."
    wait_for(lambda: not os.path.exists(f"/proc/{running.worker_pid}") or _zombie(running.worker_pid), 30,
             "the generator to stop")
