"""Running one TrainingRun in the worker: snapshot, spec, the trainer subprocess, and
what its exit means. The Celery task only calls `run_execute(run_id=...)`; the lifecycle
(claim, watch, finish, reasons) is the one jobs.py gives generation rounds too.

The trainer is a child process (`python -m training train`, see subprocesses.py), never
imported here: a crash, an out-of-memory kill or a SIGKILL takes down only the child,
and the worker records why. Cancel and timeout kill the child's whole process group.
"""
import json

from django.db import transaction

from feedback import artifacts
from feedback.exports.filters import ExportFilters
from feedback.exports.services import snapshot_create
from feedback.loop.models import Algorithm, RunStatus, TrainingRun
from feedback.loop.services import subprocesses
from feedback.loop.services.adapters import AdapterError, adapter_register
from feedback.loop.services.gate import GateRule, gate_apply
from feedback.loop.services.jobs import (
    job_child_started, job_claim, job_deadline, job_fail, job_finish, job_stop_check, jobs_fail_orphaned,
)
from feedback.loop.services.progress import progress_apply
from feedback.loop.services.rounds import round_after_promotion
from feedback.loop.services.specs import spec_build
from feedback.loop.services.subprocesses import Stopped

FINISH_FIELDS = ("phase", "step", "total_steps", "progress", "log", "metrics", "device")
DEFAULT_TIMEOUT_MINUTES = 180


def _snapshot(run: TrainingRun):
    dataset = "unpaired" if run.algorithm == Algorithm.KTO else "preference"
    filters = ExportFilters(min_agreement=run.config.get("min_agreement"))
    snapshot = snapshot_create(project=run.project, dataset=dataset, filters=filters, user=run.requested_by)
    if not snapshot.row_counts.get("train", 0):
        raise Stopped(RunStatus.FAILED, f"Snapshot {snapshot.pk} has no training rows: nothing to train on.")
    return snapshot


def _relay(run: TrainingRun):
    def on_events(events):
        changed = progress_apply(run=run, events=events)
        if changed:
            TrainingRun.objects.filter(pk=run.pk).update(**{name: getattr(run, name) for name in changed})

    return on_events


def _log(run: TrainingRun) -> str:
    return artifacts.artifact_tail(artifacts.child_file(run.run_dir, "trainer.log"), chars=subprocesses.LOG_TAIL_CHARS)


def run_execute(*, run_id: int) -> TrainingRun | None:
    run = job_claim(model=TrainingRun, job_id=run_id, phase="snapshot")
    if run is None:
        return None
    process = None
    run.run_dir = artifacts.run_folder(project_slug=run.project.slug, run_id=run.pk)
    try:
        run.snapshot = _snapshot(run)
        spec = spec_build(run=run)
        spec_name = artifacts.artifact_write_text(artifacts.child_file(run.run_dir, "spec.json"),
                                                  json.dumps(spec, indent=2))
        run.config = {**run.config, "spec": spec}
        run.phase = "starting"
        run.save(update_fields=["snapshot", "run_dir", "config", "phase"])
        minutes = float(run.config.get("timeout_minutes") or DEFAULT_TIMEOUT_MINUTES)
        deadline = job_deadline(minutes=minutes)
        process = subprocesses.start(command="train", spec_path=artifacts.local_path(spec_name),
                                     log_path=artifacts.local_path(artifacts.child_file(run.run_dir, "trainer.log")))
        job_child_started(job=run, pid=process.pid)
        subprocesses.follow(process=process, on_events=_relay(run),
                            stop_reason=job_stop_check(job=run, deadline=deadline, minutes=minutes))
        run.log = _log(run)
        metrics_name = artifacts.child_file(run.run_dir, "metrics.json")
        if process.returncode != 0 or not artifacts.artifact_exists(metrics_name):
            raise Stopped(RunStatus.FAILED, subprocesses.exit_reason(
                returncode=process.returncode, reported_error=run.failure_reason, stderr_tail=run.log, child="trainer"))
        run.metrics = json.loads(artifacts.artifact_read_text(metrics_name))
        processes = int(run.metrics.get("processes") or 1)
        run.device = (str(run.metrics.get("device", "")) + (f" × {processes}" if processes > 1 else ""))[:100]
        with transaction.atomic():  # nobody sees the adapter (or the run succeeded) before the gate's decision
            adapter = adapter_register(run=run, directory=artifacts.adapter_folder(run_folder_name=run.run_dir),
                                       metrics=run.metrics)
            decision = gate_apply(adapter=adapter, rule=GateRule.of_run(run.config))
        run.phase = "done"
        job_finish(job=run, status=RunStatus.SUCCEEDED, fields=FINISH_FIELDS)
        if decision.promote:
            round_after_promotion(adapter=adapter)  # the promoted adapter feeds the next labelling round
        return run
    except Stopped as stop:
        run.log = run.log or _log(run)
        job_finish(job=run, status=stop.status, reason=stop.reason, fields=FINISH_FIELDS)
    except AdapterError as error:
        job_finish(job=run, status=RunStatus.FAILED, reason=f"The adapter was not registered: {error}",
                   fields=FINISH_FIELDS)
    except BaseException as error:  # the worker itself is going down, or a bug: never leave it "running"
        if process is not None and process.poll() is None:
            subprocesses.kill(process=process)
        job_fail(job=run, error=error, fields=FINISH_FIELDS)
    return run


def runs_fail_orphaned(*, reason: str = "Stopped: the training worker restarted during the run; "
                       "nothing from it was kept.") -> int:
    """Runs left "running" by a worker that died are failed and nothing from them is promoted."""
    return jobs_fail_orphaned(model=TrainingRun, reason=reason)
