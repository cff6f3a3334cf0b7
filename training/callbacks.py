"""Relays the trainer's logs as progress lines (see progress.py).

TRL trainers log their own metrics on every logging step: the loss, a running count of
input tokens ("num_tokens", padding excluded) and an accuracy for the algorithm (DPO:
"rewards/accuracies", reward model: "accuracy") and a reward margin. This callback turns
each log into one progress event; tokens/s is the running average since training began.
"""

from __future__ import annotations

import time

from transformers import TrainerCallback

from .progress import ProgressWriter


class ProgressCallback(TrainerCallback):
    def __init__(self, writer: ProgressWriter, accuracy_key: str | None, margin_key: str | None = None):
        self.writer = writer
        self.accuracy_key = accuracy_key  # None: the algorithm has no per-step accuracy
        self.margin_key = margin_key
        self.started = None
        self.history: list[dict] = []  # the events written, for metrics.json

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.monotonic()

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs:  # the end-of-training summary, or an eval log
            return
        elapsed = time.monotonic() - (self.started or time.monotonic())
        tokens = logs.get("num_tokens")
        event = {
            "event": "progress",
            "step": state.global_step,
            "total": state.max_steps,
            "epoch": round(state.epoch or 0.0, 4),
            "loss": logs["loss"],
            "reward_accuracy": logs.get(self.accuracy_key) if self.accuracy_key else None,
            "reward_margin": logs.get(self.margin_key) if self.margin_key else None,
            "tokens_per_second": round(tokens / elapsed, 1) if tokens and elapsed > 0 else None,
        }
        self.history.append({**event, "num_tokens": tokens, "elapsed": elapsed})
        self.writer.write(event)
