"""Progress lines: one JSON object per line, written to RUN_DIR/progress.jsonl and stdout.

The Celery task that launched the run can follow either. Events:

    {"event": "phase", "phase": "loading"|"training"|"evaluating"|"saving"|"done", "time": ...}
    {"event": "progress", "step": 3, "total": 20, "epoch": 0.15, "loss": 0.69,
     "reward_accuracy": 0.5, "reward_margin": 0.02, "tokens_per_second": 812.0, "time": ...}
    {"event": "error", "message": "...", "time": ...}

"time" is Unix seconds. Each line is flushed as it is written, so a reader never sees a
partial line except possibly the very last one of a killed run. Pure Python.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

PHASES = ("loading", "training", "generating", "evaluating", "saving", "done")


class ProgressWriter:
    def __init__(self, path: Path | None, stream: IO[str] | None = None):
        # A retried run starts its log afresh: lines from a killed attempt would mislead.
        # No path and no stream: a writer that writes nothing (the non-main processes of a
        # multi-process run, whose main process reports for all).
        self._file = open(path, "w", encoding="utf-8") if path is not None else None
        self._stream = stream

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps({**event, "time": round(time.time(), 3)}) + "\n"
        for out in (self._file, self._stream):
            if out is not None:
                out.write(line)
                out.flush()

    def phase(self, phase: str) -> None:
        assert phase in PHASES, phase
        self.write({"event": "phase", "phase": phase})

    def error(self, message: str) -> None:
        self.write({"event": "error", "message": message})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def read_progress(path: Path) -> list[dict]:
    """The events written so far; a torn last line (killed writer) is skipped."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
