"""Fixtures for training tests: the demo model (converted once per session) and a tiny
random llama with the demo's real tokenizer. No Django anywhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules import training_fixtures whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def demo_model_dir(model_cache) -> Path:
    """The real demo model, converted from its GGUF by the registry (once per session)."""
    from training.registry import resolve_base_model

    return resolve_base_model("demo", model_cache)


@pytest.fixture(scope="session")
def tiny_model_dir(demo_model_dir, tmp_path_factory) -> Path:
    """A 2-layer, hidden-32 random llama with the demo model's real tokenizer and chat
    template, saved like any local base model directory."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(demo_model_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def heldout_rows() -> list[dict]:
    """Held-out pairs with the same learnable preference, on prompts never trained on."""
    from training_fixtures import preference_rows

    return preference_rows(16, seed=1, start=1000)


@pytest.fixture(scope="session")
def dpo_run(tiny_model_dir, heldout_rows, tmp_path_factory) -> Path:
    """One finished DPO run on the tiny model (in-process), shared by several tests."""
    from training_fixtures import TINY_HP, make_run_dir, preference_rows

    from training.run import train

    run_dir = make_run_dir(
        tmp_path_factory.mktemp("dpo"),
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(32),
        eval_rows=heldout_rows,
        hyperparameters=TINY_HP,
    )
    train(run_dir / "spec.json")
    return run_dir


@pytest.fixture(scope="session")
def reward_run(tiny_model_dir, heldout_rows, tmp_path_factory) -> Path:
    """One finished reward-model run on the tiny model, shared by several tests."""
    from training_fixtures import TINY_HP, make_run_dir, preference_rows

    from training.run import train

    run_dir = make_run_dir(
        tmp_path_factory.mktemp("reward"),
        algorithm="reward",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(32),
        eval_rows=heldout_rows,
        hyperparameters=TINY_HP,
    )
    train(run_dir / "spec.json")
    return run_dir
