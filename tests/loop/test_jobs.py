"""The lifecycle runs and rounds share: a reason a person can read for every way a job
ends without succeeding (the child processes themselves: test_executor.py, test_rounds.py)."""
import signal

from feedback.loop.models import GenerationRound, RunStatus, TrainingRun
from feedback.loop.services.jobs import job_cancel, job_failure_reason
from feedback.loop.services.subprocesses import exit_reason

TRACEBACK = """Traceback (most recent call last):
  File "/app/training/generate.py", line 88, in main
    model = load(spec)
  File "/app/training/models.py", line 40, in load
    raise RuntimeError("CUDA error: device-side assert triggered")
RuntimeError: CUDA error: device-side assert triggered
"""


def test_a_crash_names_its_last_line_and_keeps_the_end_of_the_traceback():
    reason = exit_reason(returncode=1, reported_error="", stderr_tail=TRACEBACK, child="generator")
    first, _, tail = reason.partition("\n\n")
    assert first == "The generator crashed (exit code 1): RuntimeError: CUDA error: device-side assert triggered"
    assert 'File "/app/training/models.py", line 40, in load' in tail


def test_what_the_child_reported_wins_over_its_log():
    reason = exit_reason(returncode=2, reported_error="base_model: /nowhere is not a model", stderr_tail=TRACEBACK,
                         child="trainer")
    assert reason == "Bad input (exit code 2): base_model: /nowhere is not a model"


def test_signals_are_named_and_a_clean_exit_without_output_is_said():
    assert exit_reason(returncode=-signal.SIGKILL, reported_error="", stderr_tail="", child="trainer") == \
        "The trainer was killed by SIGKILL (out of memory?)."
    assert exit_reason(returncode=128 + signal.SIGTERM, reported_error="", stderr_tail="", child="generator") == \
        "The generator was killed by SIGTERM."
    assert exit_reason(returncode=-200, reported_error="", stderr_tail="", child="trainer") == \
        "The trainer was killed by signal 200."
    assert exit_reason(returncode=0, reported_error="", stderr_tail="", child="generator") == \
        "The generator exited without writing its output."
    assert exit_reason(returncode=3, reported_error="", stderr_tail="", child="trainer") == \
        "The trainer crashed (exit code 3): no output"


def test_a_worker_shutdown_reads_as_one_not_as_an_exit_code(project):
    generation = GenerationRound(project=project)
    # What Celery's shutdown raised into a running round: it used to be shown as "SystemExit: -241".
    assert job_failure_reason(job=generation, error=SystemExit(-241)) == \
        "Stopped: the worker was shut down during the round; the generator was stopped."
    assert job_failure_reason(job=TrainingRun(project=project), error=KeyboardInterrupt()) == \
        "Stopped: the worker was shut down during the run; the trainer was stopped."
    assert job_failure_reason(job=generation, error=KeyError("prompt_id")) == \
        "Internal error in the worker (KeyError: 'prompt_id'); see the worker's log."


def test_cancel_ends_a_queued_job_and_flags_a_running_one(project):
    queued = GenerationRound.objects.create(project=project)
    running = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    assert job_cancel(job=queued).status == RunStatus.CANCELLED
    flagged = job_cancel(job=running)
    assert flagged.status == RunStatus.RUNNING and flagged.cancel_requested and not flagged.finished_at


def test_a_round_says_what_it_is_doing_before_it_can_count(project):
    generation = GenerationRound(project=project)
    assert generation.stage_text == "waiting for the training worker"
    generation.status = RunStatus.RUNNING
    assert generation.stage_text == "starting: picking prompts and launching the generator"
    generation.phase = "loading"
    assert generation.stage_text == "starting: loading the model"
    generation.phase, generation.done, generation.total = "generating", 3, 12
    assert generation.stage_text == "3 / 12 generations"
