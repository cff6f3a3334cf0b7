"""Running a TrainingRun in-process as the worker does: snapshot, real trainer
subprocess on the tiny model, adapter, evaluation, gate — and every way it can fail."""
import json
import os
import signal
import threading
import time

import pytest

from feedback.labelling.models import Label, Split
from feedback.loop.models import AdapterStatus, AdapterVersion, RunStatus, TrainingRun, TrainingSettings
from feedback.loop.services.executor import run_execute, runs_fail_orphaned
from feedback.artifacts import local_path
from feedback.loop.services.training_requests import run_config


def queued_run(project, **config_overrides):
    settings_row = TrainingSettings.objects.get(project=project)
    for key, value in config_overrides.items():
        setattr(settings_row, key, value)
    settings_row.save()
    return TrainingRun.objects.create(project=project, algorithm=settings_row.algorithm, config=run_config(config=settings_row))


def test_a_run_trains_registers_evaluates_and_promotes(loop_project, settings):
    run = run_execute(run_id=queued_run(loop_project).pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, (run.failure_reason, run.log[-2000:])
    assert run.snapshot.row_counts["train"] > 0 and run.device == "cpu"
    assert run.step == run.total_steps == 8 and len(run.progress) >= 2
    losses = [p["loss"] for p in run.progress]
    assert losses[-1] < losses[0]

    adapter = run.adapter
    assert adapter.version == 1 and adapter.snapshot == run.snapshot and adapter.parent is None
    assert (local_path(adapter.directory) / "adapter_model.safetensors").is_file()
    scores = adapter.eval_metrics
    assert scores["new"]["preference_accuracy"] > scores["base"]["preference_accuracy"]
    assert adapter.status == AdapterStatus.PROMOTED, adapter.gate_reason

    # The next run is compared with v1 on the same held-out rows, and v1 is its parent;
    # told to, it trains on from v1's weights.
    second = run_execute(run_id=queued_run(loop_project, promotion_margin=1.0, continue_from_promoted=True).pk)
    assert json.loads((local_path(second.run_dir) / "spec.json").read_text())["init_adapter"] == str(local_path(adapter.directory))
    v2 = second.adapter
    assert v2.parent == adapter and set(v2.eval_metrics) == {"new", "v1", "base"}
    assert v2.status == AdapterStatus.REJECTED and "not above the margin 1.000" in v2.gate_reason
    adapter.refresh_from_db()
    assert adapter.status == AdapterStatus.PROMOTED  # the promoted one stays


def test_a_run_with_nothing_to_train_on_fails_with_the_reason(project, annotators, codebook):
    TrainingSettings.objects.create(project=project)
    run = run_execute(run_id=queued_run(project).pk)
    assert run.status == RunStatus.FAILED and "no training rows" in run.failure_reason


def test_bad_input_is_reported_from_the_trainer(loop_project):
    loop_project.base_model = "/nowhere/model"
    loop_project.save()
    run = run_execute(run_id=queued_run(loop_project).pk)
    assert run.status == RunStatus.FAILED
    assert "Bad input (exit code 2)" in run.failure_reason and "/nowhere/model" in run.failure_reason
    assert not AdapterVersion.objects.exists()


def test_a_claimed_run_is_not_run_twice(loop_project):
    run = queued_run(loop_project)
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert run_execute(run_id=run.pk) is None


def run_in_thread(run_id):
    """The worker's view: run_execute blocks, so the test acts on it from outside."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("run", run_execute(run_id=run_id)))
    thread.start()
    return thread, result


def wait_until_training(run_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = TrainingRun.objects.get(pk=run_id)
        if run.step >= 1 and run.worker_pid:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run never reached step 1: {run.status} {run.phase} {run.failure_reason}")


LONG = {"learning_rate": 5e-3, "max_steps": 2000, "per_device_train_batch_size": 4, "max_length": 64, "logging_steps": 1}


@pytest.mark.django_db(transaction=True)
def test_sigkill_of_the_trainer_fails_the_run_and_promotes_nothing(loop_project):
    run = queued_run(loop_project, hyperparameters=LONG)
    thread, result = run_in_thread(run.pk)
    running = wait_until_training(run.pk)
    os.kill(running.worker_pid, signal.SIGKILL)
    thread.join(60)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "SIGKILL" in run.failure_reason and run.finished_at
    assert not AdapterVersion.objects.exists()
    assert not (loop_project_run_dir(run) / "adapter").exists()


def loop_project_run_dir(run):
    return local_path(run.run_dir)


@pytest.mark.django_db(transaction=True)
def test_cancel_from_the_page_stops_the_trainer(loop_project):
    run = queued_run(loop_project, hyperparameters=LONG)
    thread, _ = run_in_thread(run.pk)
    running = wait_until_training(run.pk)
    TrainingRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    thread.join(60)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and not AdapterVersion.objects.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(running.worker_pid, 0)  # the trainer is gone


def test_a_timeout_fails_the_run(loop_project):
    run = queued_run(loop_project, hyperparameters=LONG)
    TrainingRun.objects.filter(pk=run.pk).update(config={**run.config, "timeout_minutes": 0.1})  # 6 s
    run = run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED and "Timed out" in run.failure_reason
    assert not AdapterVersion.objects.exists()


def test_runs_orphaned_by_a_worker_restart_are_failed(project):
    TrainingSettings.objects.create(project=project)
    orphan = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    assert runs_fail_orphaned() == 1
    orphan.refresh_from_db()
    assert orphan.status == RunStatus.FAILED and "restarted" in orphan.failure_reason


def test_without_held_out_pairs_the_run_trains_and_the_gate_says_why_not(loop_project, settings):
    Label.objects.filter(task__prompt__split=Split.HELDOUT).delete()
    run = run_execute(run_id=queued_run(loop_project).pk)
    assert run.status == RunStatus.SUCCEEDED, run.failure_reason
    assert run.config["spec"]["eval_file"] is None
    assert run.adapter.status == AdapterStatus.REJECTED and "No held-out evaluation" in run.adapter.gate_reason


def test_a_run_can_train_as_several_processes(loop_project, settings):
    """TRAINING_PROCESSES=2: the trainer runs under torchrun (two CPU processes here, one
    per GPU on a GPU machine) and the run ends the same way: progress, adapter, gate."""
    settings.TRAINING_PROCESSES = 2
    run = run_execute(run_id=queued_run(loop_project).pk)
    assert run.status == RunStatus.SUCCEEDED, (run.failure_reason, run.log[-2000:])
    assert run.metrics["processes"] == 2 and run.device == "cpu × 2"
    assert [p["step"] for p in run.progress] == sorted({p["step"] for p in run.progress})  # one line per step
    assert run.step == run.total_steps and run.adapter.status == AdapterStatus.PROMOTED, run.adapter.gate_reason
