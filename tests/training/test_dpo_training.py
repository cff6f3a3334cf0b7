"""DPO really trains: on a learnable preference the loss falls and the implicit reward
ranks chosen over rejected."""

import json

import pytest

from training_fixtures import TINY_HP, make_run_dir, preference_rows

from training.progress import read_progress
from training.run import train


def progress_events(run_dir):
    return [e for e in read_progress(run_dir / "progress.jsonl") if e["event"] == "progress"]


def test_dpo_loss_falls_and_reward_accuracy_rises(dpo_run):
    steps = progress_events(dpo_run)
    assert [e["step"] for e in steps] == list(range(1, TINY_HP["max_steps"] + 1))
    assert all(e["total"] == TINY_HP["max_steps"] for e in steps)
    # step 1: the adapter starts at zero, so policy == reference, loss == log 2, no pair ranked
    assert abs(steps[0]["loss"] - 0.6931) < 1e-3 and steps[0]["reward_accuracy"] == 0.0
    assert steps[-1]["loss"] < steps[0]["loss"] - 0.05
    assert steps[-1]["reward_accuracy"] >= 0.75
    assert steps[-1]["reward_margin"] > steps[0]["reward_margin"]
    assert all(e["tokens_per_second"] > 0 for e in steps)


def test_dpo_run_reports_what_it_did(dpo_run):
    metrics = json.loads((dpo_run / "metrics.json").read_text())
    assert metrics["algorithm"] == "dpo" and metrics["status"] == "succeeded"
    assert (metrics["device"], metrics["dtype"], metrics["quantization"]) == ("cpu", "float32", "none")
    assert metrics["steps"] == TINY_HP["max_steps"] and metrics["train_rows"] == 32
    assert metrics["hyperparameters"]["beta"] == 0.1 and metrics["hyperparameters"]["learning_rate"] == 5e-3
    assert metrics["final_loss"] < metrics["first_loss"]
    phases = [e["phase"] for e in read_progress(dpo_run / "progress.jsonl") if e["event"] == "phase"]
    assert phases == ["loading", "training", "evaluating", "saving", "done"]


def test_dpo_with_the_cuda_levers_on_plain_text_rows(tmp_path, tiny_model_dir):
    """Plain-text rows, and the CUDA defaults (precomputed reference log-probs, length-
    grouped batches) forced on, so their code runs here too."""
    run_dir = make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(16, conversational=False),
        hyperparameters={**TINY_HP, "max_steps": 4, "precompute_ref_log_probs": True, "group_by_length": True},
    )
    metrics = train(run_dir / "spec.json")
    steps = progress_events(run_dir)
    assert steps[0]["reward_accuracy"] == 0.0  # precomputed reference == the untrained policy
    assert steps[-1]["loss"] < steps[0]["loss"]
    assert metrics["eval"] is None and metrics["eval_info"]["status"] == "skipped"
    # the precompute cache and TRL's tokenized data lived in RUN_DIR/.work, now gone
    assert {p.name for p in run_dir.iterdir()} == {"spec.json", "snapshot", "progress.jsonl", "adapter", "metrics.json"}


def test_dpo_continues_from_an_init_adapter(tmp_path, tiny_model_dir, dpo_run, heldout_rows):
    """init_adapter: training starts from that adapter's weights, not a fresh LoRA, and
    it is its own DPO reference (policy == reference at step 1)."""
    from safetensors.torch import load_file

    previous = dpo_run / "adapter"
    run_dir = make_run_dir(
        tmp_path, algorithm="dpo", base_model=str(tiny_model_dir), train_rows=preference_rows(8, seed=3),
        eval_rows=heldout_rows, init_adapter=str(previous), compare_adapters={"v1": str(previous)},
        hyperparameters={**TINY_HP, "max_steps": 2, "learning_rate": 1e-7},
    )
    metrics = train(run_dir / "spec.json")
    assert metrics["init_adapter"] == str(previous)
    assert abs(progress_events(run_dir)[0]["loss"] - 0.6931) < 1e-3
    before, after = load_file(previous / "adapter_model.safetensors"), load_file(run_dir / "adapter" / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    lora_b = [key for key in before if "lora_B" in key]
    assert lora_b and all(before[key].abs().max() > 1e-3 for key in lora_b)  # trained weights, not a fresh zero B
    assert all((before[key] - after[key]).abs().max() < 1e-4 for key in before)
    # the same policy, so the same held-out scores as the adapter it started from
    assert metrics["eval"]["new"]["implicit_reward_margin"] == pytest.approx(metrics["eval"]["v1"]["implicit_reward_margin"], abs=1e-3)
