"""Running one TrainingRun in the worker: snapshot, spec, the trainer subprocess, and
what its exit means. The Celery task only calls `run_execute(run_id)`.

The trainer is a child process (`python -m training train`), never imported here: a
crash, an out-of-memory kill or a SIGKILL takes down only the child, and the worker
records why. Cancel and timeout kill the child's whole process group.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from feedback.exports.filters import ExportFilters
from feedback.exports.services import snapshot_create
from feedback.loop.models import Algorithm, RunStatus, TrainingRun
from feedback.loop.services.adapters import AdapterError, adapter_register, gate_apply
from feedback.loop.services.progress import progress_apply
from feedback.loop.services.specs import run_dir_for, spec_write

POLL_SECONDS = 1.0
KILL_GRACE_SECONDS = 10
LOG_TAIL_CHARS = 20_000


class RunStopped(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


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
    train_rows = snapshot.row_counts.get("train", 0)
    if not train_rows:
        raise RunStopped(RunStatus.FAILED, f"Snapshot {snapshot.pk} has no training rows: nothing to train on.")
    return snapshot


def _trainer_command(spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "training", "train", str(spec_path)]


def _trainer_env() -> dict:
    env = dict(os.environ)
    env.update(FEEDBACK_MODEL_CACHE=str(settings.MODEL_CACHE_DIR), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               PYTHONUNBUFFERED="1")
    return env


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _kill(process: subprocess.Popen) -> None:
    """SIGTERM the trainer's process group (it cleans up), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _supervise(run: TrainingRun, process: subprocess.Popen, deadline: float) -> None:
    """Relay progress until the trainer exits; kill it on cancel or timeout."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    finished = False
    while not finished:
        events = []
        try:
            line = lines.get(timeout=POLL_SECONDS)
            while True:
                if line is None:
                    finished = True
                    break
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
                line = lines.get_nowait()
        except queue.Empty:
            pass
        changed = progress_apply(run, events)
        if changed:
            TrainingRun.objects.filter(pk=run.pk).update(**{name: getattr(run, name) for name in changed})
        if TrainingRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            _kill(process)
            raise RunStopped(RunStatus.CANCELLED, "Cancelled from the runs page; the trainer was stopped.")
        if time.monotonic() > deadline:
            _kill(process)
            minutes = run.config.get("timeout_minutes")
            raise RunStopped(RunStatus.FAILED, f"Timed out after {minutes} minutes; the trainer was stopped.")
    process.wait()


def _exit_reason(returncode: int, run: TrainingRun, stderr_tail: str) -> str:
    if returncode < 0 or returncode == 128 + signal.SIGTERM:  # killed, or exited on SIGTERM (training/__main__.py)
        name = signal.Signals(-returncode if returncode < 0 else returncode - 128).name
        return f"The trainer was killed by {name}" + (" (out of memory?)." if name == "SIGKILL" else ".")
    detail = run.failure_reason or (stderr_tail.strip().splitlines() or ["no output"])[-1]
    kind = "Bad input" if returncode == 2 else "The trainer crashed"
    return f"{kind} (exit code {returncode}): {detail}"


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - LOG_TAIL_CHARS))
        return f.read().decode("utf-8", "replace")


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
        with open(run_dir / "trainer.log", "wb") as stderr:
            process = subprocess.Popen(
                _trainer_command(spec_path), cwd=settings.BASE_DIR, env=_trainer_env(), stdout=subprocess.PIPE,
                stderr=stderr, text=True, start_new_session=True,  # its own process group, killed as one
            )
            TrainingRun.objects.filter(pk=run.pk).update(worker_pid=process.pid)
            _supervise(run, process, deadline)
        run.log = _tail(run_dir / "trainer.log")
        metrics_path = run_dir / "metrics.json"
        if process.returncode != 0 or not metrics_path.exists():
            raise RunStopped(RunStatus.FAILED, _exit_reason(process.returncode, run, run.log))
        run.metrics = json.loads(metrics_path.read_text())
        run.device = str(run.metrics.get("device", ""))[:100]
        adapter = adapter_register(run, run_dir / "adapter", run.metrics)
        run.phase = "done"
        _finish(run, RunStatus.SUCCEEDED)
        gate_apply(adapter, float(run.config.get("promotion_margin") or 0.0))
        return run
    except RunStopped as stop:
        run.log = run.log or _tail(run_dir / "trainer.log")
        _finish(run, stop.status, stop.reason)
    except AdapterError as error:
        _finish(run, RunStatus.FAILED, f"The adapter was not registered: {error}")
    except BaseException as error:  # the worker itself is going down, or a bug: never leave it "running"
        if process is not None and process.poll() is None:
            _kill(process)
        _finish(run, RunStatus.FAILED, f"{type(error).__name__}: {error}"[:2000])
        if not isinstance(error, Exception):
            raise
    return run


def _is_our_trainer(pid: int) -> bool:
    try:
        return b"training\x00train" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def runs_fail_orphaned(reason: str = "The training worker restarted during the run.") -> int:
    """Runs left "running" by a worker that died (restart, SIGKILL of the worker) are
    failed and nothing from them is promoted. A trainer that outlived its worker (it has
    its own process group) is stopped, so it cannot hold the GPU for nothing."""
    orphans = list(TrainingRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", "worker_pid"))
    for _, pid in orphans:
        if pid and _is_our_trainer(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    return TrainingRun.objects.filter(pk__in=[pk for pk, _ in orphans], status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )
