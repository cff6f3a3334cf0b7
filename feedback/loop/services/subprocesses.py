"""Running `python -m training ...` as a supervised child: its own process group, JSON
progress lines relayed as they come, stopped on request. Shared by training runs and
generation rounds; the child never shares memory (or a crash) with the worker."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from django.conf import settings

POLL_SECONDS = 1.0
KILL_GRACE_SECONDS = 10
LOG_TAIL_CHARS = 20_000


class Stopped(Exception):
    """The supervisor stopped the child; `status` and `reason` say why."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def child_env() -> dict:
    env = dict(os.environ)
    env.update(FEEDBACK_MODEL_CACHE=str(settings.MODEL_CACHE_DIR), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               PYTHONUNBUFFERED="1")
    return env


def command_line(*, command: str, spec_path: Path) -> list[str]:
    """`python -m training <command> <spec>`. Training with TRAINING_PROCESSES > 1 is the
    same command under torchrun (what `accelerate launch --multi_gpu` runs): one process
    per GPU, the first one reporting for all (training/run.py)."""
    training = ["-m", "training", command, str(spec_path)]
    if command == "train" and settings.TRAINING_PROCESSES > 1:
        # --standalone: a local rendezvous on a free port.
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc_per_node", str(settings.TRAINING_PROCESSES), *training]
    return [sys.executable, *training]


def start(*, command: str, spec_path: Path, log_path: Path) -> subprocess.Popen:
    """The training command (command_line); stderr to log_path, stdout piped for events."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            command_line(command=command, spec_path=spec_path), cwd=settings.BASE_DIR, env=child_env(),
            stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True,  # its own process group, killed as one
        )


def kill(*, process: subprocess.Popen) -> None:
    """SIGTERM the child's process group (it cleans up), SIGKILL if it lingers."""
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


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def follow(*, process: subprocess.Popen, on_events: Callable[[list[dict]], None],
           stop_reason: Callable[[], tuple[str, str] | None]) -> None:
    """Hand each batch of progress events to `on_events` (about once a second) until the
    child exits. When `stop_reason()` returns (status, reason), kill the child and raise
    Stopped."""
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
        if events:
            on_events(events)
        if not finished and (stop := stop_reason()):
            kill(process=process)
            raise Stopped(*stop)
    process.wait()


TRACEBACK_LINES = 8


def exit_reason(*, returncode: int, reported_error: str, stderr_tail: str, child: str) -> str:
    """A person-readable reason for a child's exit without its output: killed by a signal
    (by name), bad input (exit code 2, training/__main__.py), or a crash with what the
    child reported, else the tail of its traceback."""
    if returncode < 0 or returncode == 128 + signal.SIGTERM:  # killed, or exited on SIGTERM (training/__main__.py)
        number = -returncode if returncode < 0 else returncode - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"The {child} was killed by {name}" + (" (out of memory?)." if name == "SIGKILL" else ".")
    if returncode == 0:
        return f"The {child} exited without writing its output."
    lines = [line for line in stderr_tail.strip().splitlines() if line.strip()]
    detail = reported_error or (lines[-1] if lines else "no output")
    kind = "Bad input" if returncode == 2 else f"The {child} crashed"
    reason = f"{kind} (exit code {returncode}): {detail}"
    if len(lines) > 1 and not reported_error:
        reason += "\n\nThe end of its log:\n" + "\n".join(lines[-TRACEBACK_LINES:])
    return reason


def is_training_child(*, pid: int) -> bool:
    try:
        return b"-m\x00training\x00" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
