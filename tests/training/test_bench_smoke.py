"""bench/dpo_throughput.py keeps working: its --smoke mode runs both configurations (TRL's
defaults and ours, with our CUDA levers forced on) on a tiny model on CPU. Without a GPU
and without --smoke it must say so and exit non-zero."""

import subprocess
import sys

import pytest
import torch
from training_fixtures import REPO, cli_env


def bench(*args, model_cache):
    return subprocess.run(
        [sys.executable, "bench/dpo_throughput.py", *args],
        cwd=REPO,
        env=cli_env(model_cache),
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_smoke_run_measures_both_configurations(demo_model_dir, model_cache):
    done = bench("--smoke", model_cache=model_cache)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    trl = next(line for line in lines if line.startswith("tiny   trl"))
    ours = next(line for line in lines if line.startswith("tiny   ours"))
    assert "ckpt True, precompute False" in trl  # TRL's defaults
    assert "ckpt False, precompute True" in ours
    assert any(line.startswith("tiny: ours / trl =") for line in lines)


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU this would start the real, long benchmark")
def test_without_a_gpu_it_says_so(model_cache):
    done = bench(model_cache=model_cache)
    assert done.returncode == 2
    assert "needs a CUDA GPU" in done.stderr
