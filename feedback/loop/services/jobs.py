"""The lifecycle every supervised job shares: a TrainingRun (the trainer) and a
GenerationRound (the generator) are each claimed once by the training worker, run a child
process that is watched about once a second (a cancel flag, a deadline), and end with a
status and a reason a person can read.

Every way a job ends has its reason here or in subprocesses.exit_reason: it succeeded; the
child crashed (the tail of its traceback), exited non-zero or was killed by a signal; it
timed out; a person cancelled it; the worker was shut down under it; or a worker restart
found it orphaned.
"""
import os
import signal
import time
from typing import Callable, TypeAlias

from celery.worker import state as worker_state
from django.db import transaction
from django.utils import timezone

from feedback.loop.models import GenerationRound, RunStatus, TrainingRun
from feedback.loop.services import subprocesses

Job: TypeAlias = TrainingRun | GenerationRound
REASON_CHARS = 2000


def job_noun(job: Job) -> str:
    return "run" if isinstance(job, TrainingRun) else "round"


def job_child(job: Job) -> str:
    """What the job's child process is called in its reasons."""
    return "trainer" if isinstance(job, TrainingRun) else "generator"


def job_claim(*, model: type[Job], job_id: int, **fields) -> Job | None:
    """queued → running, exactly once (a redelivered task finds nothing to claim)."""
    claimed = model.objects.filter(pk=job_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), worker_pid=os.getpid(), **fields
    )
    return model.objects.select_related("project").get(pk=job_id) if claimed else None


def job_child_started(*, job: Job, pid: int) -> None:
    """Remember the child's pid: it leads its own process group, which a restarted worker kills."""
    job.worker_pid = pid
    type(job).objects.filter(pk=job.pk).update(worker_pid=pid)


def job_finish(*, job: Job, status: str, reason: str = "", fields: tuple[str, ...] = ()) -> Job:
    job.status, job.finished_at = status, timezone.now()
    if reason:
        job.failure_reason = reason[:REASON_CHARS]
    job.save(update_fields=["status", "finished_at", "failure_reason", *fields])
    return job


def job_deadline(*, minutes: float) -> float:
    """A monotonic deadline: a clock that jumps (NTP, a suspended VM) neither ends a job early nor late."""
    return time.monotonic() + 60 * float(minutes)


def job_stop_check(*, job: Job, deadline: float, minutes: float) -> Callable[[], tuple[str, str] | None]:
    """For subprocesses.follow: (status, reason) once the job is cancelled or past its deadline."""
    model, child = type(job), job_child(job)

    def stop_reason():
        if model.objects.filter(pk=job.pk, cancel_requested=True).exists():
            return RunStatus.CANCELLED, f"Cancelled by a person; the {child} was stopped."
        if time.monotonic() > deadline:
            return RunStatus.FAILED, f"Timed out after {float(minutes):g} minutes; the {child} was stopped."
        return None

    return stop_reason


def job_cancel(*, job: Job) -> Job:
    """A queued job is cancelled at once; a running one is flagged and its worker kills
    the child within a second or two (the web process may be on another machine)."""
    with transaction.atomic():
        job = type(job).objects.select_for_update().get(pk=job.pk)
        if job.status == RunStatus.QUEUED:
            job.status, job.failure_reason = RunStatus.CANCELLED, "Cancelled before it started."
            job.finished_at = timezone.now()
        if job.status == RunStatus.RUNNING:
            job.cancel_requested = True
        job.save(update_fields=["status", "failure_reason", "finished_at", "cancel_requested"])
    return job


def worker_shutting_down() -> bool:
    """Whether Celery is shutting this worker down. A cold shutdown (Ctrl+C, SIGQUIT) runs
    its handler in the main thread, inside the running task: what the task sees is whatever
    that handler raised (a SystemExit, or the solo pool's NotImplementedError from kill_job),
    with these flags set."""
    return worker_state.should_terminate not in (None, False) or worker_state.should_stop not in (None, False)


def job_failure_reason(*, job: Job, error: BaseException) -> str:
    """Why a job ended on an exception that is not the child's own exit."""
    if isinstance(error, (SystemExit, KeyboardInterrupt)) or worker_shutting_down():
        return f"Stopped: the worker was shut down during the {job_noun(job)}; the {job_child(job)} was stopped."
    return f"Internal error in the worker ({type(error).__name__}: {error}); see the worker's log."[:REASON_CHARS]


def job_fail(*, job: Job, error: BaseException, fields: tuple[str, ...] = ()) -> Job:
    """For a job's last `except BaseException`: never leave it "running". Ends it failed
    with job_failure_reason, then lets the error go on when the worker itself is going
    down (anything not an Exception); a bug's Exception stops here, with the job."""
    job_finish(job=job, status=RunStatus.FAILED, reason=job_failure_reason(job=job, error=error), fields=fields)
    if not isinstance(error, Exception):
        raise error
    return job


def jobs_fail_orphaned(*, model: type[Job], reason: str) -> int:
    """Jobs left "running" by a worker that died (restart, SIGKILL of the worker) are
    failed. A child that outlived its worker (it has its own process group) is stopped,
    so it cannot hold the GPU for nothing."""
    orphans = list(model.objects.filter(status=RunStatus.RUNNING).values_list("pk", "worker_pid"))
    for _, pid in orphans:
        if pid and subprocesses.is_training_child(pid=pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    return model.objects.filter(pk__in=[pk for pk, _ in orphans], status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, failure_reason=reason, finished_at=timezone.now()
    )
