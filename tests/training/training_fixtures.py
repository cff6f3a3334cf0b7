"""Helpers shared by the training tests: a learnable synthetic preference set, run
directories laid out as the Django side writes them, and running the CLI. (A module
rather than conftest functions so tests can import it; conftest puts it on sys.path.)"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]

# The learnable preference: the chosen answer is always this phrase, the rejected one is
# a random string of other words. A model that learns it ranks the phrase higher.
CHOSEN = "Yes, happy to help."
WORDS = "apple river stone cloud orange window paper silver garden engine yellow forest".split()
TOPICS = "cats tea rain maps bread music chess boats snow glass clocks honey".split()


def preference_rows(n: int, seed: int = 0, conversational: bool = True, start: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(start, start + n):
        prompt = f"Question {i}: tell me about {rng.choice(TOPICS)}."
        rejected = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6))) + "."
        if conversational:
            rows.append(
                {
                    "prompt": [{"role": "user", "content": prompt}],
                    "chosen": [{"role": "assistant", "content": CHOSEN}],
                    "rejected": [{"role": "assistant", "content": rejected}],
                    # export metadata that training must ignore
                    "agreement": 0.8,
                    "task_id": i,
                }
            )
        else:
            rows.append({"prompt": prompt + " ", "chosen": CHOSEN, "rejected": rejected, "strength": 2})
    return rows


def unpaired_rows(n_pairs: int, seed: int = 0, start: int = 0) -> list[dict]:
    rows = []
    for pair in preference_rows(n_pairs, seed=seed, start=start):
        rows.append({"prompt": pair["prompt"], "completion": pair["chosen"], "label": True, "weight": 1.0})
        rows.append({"prompt": pair["prompt"], "completion": pair["rejected"], "label": False})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def make_run_dir(root: Path, *, algorithm: str, base_model: str, train_rows, eval_rows=None, **spec) -> Path:
    """RUN_DIR with snapshot/ files and spec.json, laid out as the Django side does."""
    run_dir = root / f"run-{algorithm}-{len(list(root.glob('run-*')))}"
    write_jsonl(run_dir / "snapshot" / "train.jsonl", train_rows)
    body = {"algorithm": algorithm, "base_model": base_model, "train_file": "snapshot/train.jsonl", **spec}
    if eval_rows is not None:
        write_jsonl(run_dir / "snapshot" / "heldout.jsonl", eval_rows)
        body["eval_file"] = "snapshot/heldout.jsonl"
    (run_dir / "spec.json").write_text(json.dumps(body, indent=2))
    return run_dir


def cli_env(model_cache: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FEEDBACK_MODEL_CACHE": str(model_cache)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("DJANGO_SETTINGS_MODULE", None)  # training must not need it
    return env


def run_cli(args: list[str], model_cache: Path, timeout: int = 300, launcher=(sys.executable,)) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*launcher, "-m", "training", *args],
        cwd=REPO,
        env=cli_env(model_cache),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Fast settings for the tiny model: a high learning rate so a few steps show the trend.
TINY_HP = {"learning_rate": 5e-3, "max_steps": 8, "per_device_train_batch_size": 4, "max_length": 64}


def torchrun(processes: int = 2) -> list[str]:
    """The launcher `accelerate launch --multi_gpu` runs, here for CPU processes (gloo),
    with a free port for their rendezvous."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), "--master_port", str(port)]
