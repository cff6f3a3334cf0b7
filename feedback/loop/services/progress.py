"""Applying the trainer's progress lines (training/progress.py) to a TrainingRun row."""
from feedback.loop.models import TrainingRun

MAX_POINTS = 2000  # a chart does not need more; keeps the row small on long runs


def progress_apply(*, run: TrainingRun, events: list[dict]) -> list[str]:
    """Fold events into the run (in memory); returns the fields that changed. Error
    events are kept for the failure reason."""
    changed = set()
    for event in events:
        kind = event.get("event")
        if kind == "phase":
            run.phase = str(event.get("phase", ""))[:20]
            changed.add("phase")
        elif kind == "progress":
            run.step = int(event.get("step") or 0)
            run.total_steps = int(event.get("total") or run.total_steps)
            point = {key: event.get(key) for key in ("step", "loss", "reward_accuracy", "reward_margin", "tokens_per_second")}
            run.progress = (run.progress + [point])[-MAX_POINTS:]
            changed |= {"step", "total_steps", "progress"}
        elif kind == "error":
            run.failure_reason = str(event.get("message", ""))[:2000]
            changed.add("failure_reason")
    return sorted(changed)
