"""Running one TrainingRun in the worker: snapshot, spec, the trainer subprocess, and
what its exit means. The Celery task only calls `run_execute(run_id)`.

The trainer is a child process (`python -m training train`, see subprocesses.py), never
imported here: a crash, an out-of-memory kill or a SIGKILL takes down only the child,
and the worker records why. Cancel and timeout kill the child's whole process group.
"""
import json
import os
import signal
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback.exports.filters import ExportFilters
from feedback.exports.services import snapshot_create
from feedback.loop.models import Algorithm, RunStatus, TrainingRun
from feedback.loop.services import subprocesses
from feedback.loop.services.adapters import AdapterError, adapter_register
from feedback.loop.services.gate import GateRule, gate_apply
from feedback.loop.services.progress import progress_apply
from feedback.loop.services.specs import run_dir_for, spec_write
from feedback.loop.services.subprocesses import Stopped


def _claim(run_id: int) -> TrainingRun | None:
    """queued → running, exactly once (a redelivered task finds nothing to claim)."""
    claimed = TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), worker_pid=os.getpid(), phase="snapshot"
    )
    return TrainingRun.objects.select_related("project").get(pk=run_id) if claimed else None


def _finish(run: TrainingRun, status: str, reason: str = "") -> None:
    run.status, run.finished_at = status, timezone.now()
    if reason:
        run.failure_reason = reason[:2000]
    run.save(update_fields=["status", "finished_at", "failure_reason", "phase", "step", "total_steps", "progress",
                            "log", "metrics", "device"])


def _snapshot(run: TrainingRun):
    dataset = "unpaired" if run.algorithm == Algorithm.KTO else "preference"
    filters = ExportFilters(min_agreement=run.config.get("min_agreement"))
    snapshot = snapshot_create(project=run.project, dataset=dataset, filters=filters, user=run.requested_by)
    if not snapshot.row_counts.get("train", 0):
        raise Stopped(RunStatus.FAILED, f"Snapshot {snapshot.pk} has no training rows: nothing to train on.")
    return snapshot


def _relay(run: TrainingRun):
    def on_events(events):
        changed = progress_apply(run, events)
        if changed:
            TrainingRun.objects.filter(pk=run.pk).update(**{name: getattr(run, name) for name in changed})

    return on_events


def _stop_check(run: TrainingRun, deadline: float):
    def stop_reason():
        if TrainingRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            return RunStatus.CANCELLED, "Cancelled from the runs page; the trainer was stopped."
        if time.monotonic() > deadline:
            return RunStatus.FAILED, f"Timed out after {run.config.get('timeout_minutes')} minutes; the trainer was stopped."
        return None

    return stop_reason


def run_execute(run_id: int) -> TrainingRun | None:
    run = _claim(run_id)
    if run is None:
        return None
    process = None
    run_dir = run_dir_for(run)
    try:
        run.snapshot = _snapshot(run)
        run.run_dir = str(run_dir.relative_to(settings.ARTIFACTS_DIR))
        spec_path = spec_write(run, run_dir)
        run.config = {**run.config, "spec": json.loads(spec_path.read_text())}
        run.phase = "starting"
        run.save(update_fields=["snapshot", "run_dir", "config", "phase"])
        deadline = time.monotonic() + 60 * float(run.config.get("timeout_minutes") or 180)
        process = subprocesses.start("train", spec_path, run_dir / "trainer.log")
        TrainingRun.objects.filter(pk=run.pk).update(worker_pid=process.pid)
        subprocesses.follow(process, _relay(run), _stop_check(run, deadline))
        run.log = subprocesses.log_tail(run_dir / "trainer.log")
        metrics_path = run_dir / "metrics.json"
        if process.returncode != 0 or not metrics_path.exists():
            raise Stopped(RunStatus.FAILED, subprocesses.exit_reason(process.returncode, run.failure_reason, run.log))
        run.metrics = json.loads(metrics_path.read_text())
        processes = int(run.metrics.get("processes") or 1)
        run.device = (str(run.metrics.get("device", "")) + (f" × {processes}" if processes > 1 else ""))[:100]
        with transaction.atomic():  # nobody sees the adapter (or the run succeeded) before the gate's decision
            adapter = adapter_register(run, run_dir / "adapter", run.metrics)
            decision = gate_apply(adapter, GateRule.of_run(run.config))
        run.phase = "done"
        _finish(run, RunStatus.SUCCEEDED)
        if decision.promote:
            _after_promotion(adapter)
        return run
    except Stopped as stop:
        run.log = run.log or subprocesses.log_tail(run_dir / "trainer.log")
        _finish(run, stop.status, stop.reason)
    except AdapterError as error:
        _finish(run, RunStatus.FAILED, f"The adapter was not registered: {error}")
    except BaseException as error:  # the worker itself is going down, or a bug: never leave it "running"
        if process is not None and process.poll() is None:
            subprocesses.kill(process)
        _finish(run, RunStatus.FAILED, f"{type(error).__name__}: {error}"[:2000])
        if not isinstance(error, Exception):
            raise
    return run


def _after_promotion(adapter) -> None:
    """The promoted adapter feeds the next labelling round (configurable per project)."""
    from feedback.loop.services.rounds import round_after_promotion

    round_after_promotion(adapter)


def runs_fail_orphaned(reason: str = "The training worker restarted during the run.") -> int:
    """Runs left "running" by a worker that died (restart, SIGKILL of the worker) are
    failed and nothing from them is promoted. A trainer that outlived its worker (it has
    its own process group) is stopped, so it cannot hold the GPU for nothing."""
    orphans = list(TrainingRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", "worker_pid"))
    for _, pid in orphans:
        if pid and subprocesses.is_training_child(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    return TrainingRun.objects.filter(pk__in=[pk for pk, _ in orphans], status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )
