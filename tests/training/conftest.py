"""Fixtures for training tests: finished runs shared by several tests. (The demo model
and the tiny random llama come from tests/conftest.py.) No Django here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules import training_fixtures whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def heldout_rows() -> list[dict]:
    """Held-out pairs with the same learnable preference, on prompts never trained on."""
    from training_fixtures import preference_rows

    return preference_rows(16, seed=1, start=1000)


def _finished_run(algorithm: str, tiny_model_dir, heldout_rows, tmp_path_factory) -> Path:
    """A run trained in-process on the tiny model: 32 learnable pairs, the held-out rows."""
    from training_fixtures import TINY_HP, make_run_dir, preference_rows

    from training.run import train

    run_dir = make_run_dir(
        tmp_path_factory.mktemp(algorithm),
        algorithm=algorithm,
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(32),
        eval_rows=heldout_rows,
        hyperparameters=TINY_HP,
    )
    train(run_dir / "spec.json")
    return run_dir


@pytest.fixture(scope="session")
def dpo_run(tiny_model_dir, heldout_rows, tmp_path_factory) -> Path:
    """One finished DPO run, shared by several tests."""
    return _finished_run("dpo", tiny_model_dir, heldout_rows, tmp_path_factory)


@pytest.fixture(scope="session")
def reward_run(tiny_model_dir, heldout_rows, tmp_path_factory) -> Path:
    """One finished reward-model run, shared by several tests."""
    return _finished_run("reward", tiny_model_dir, heldout_rows, tmp_path_factory)
