"""The reward model really trains, and its adapter folder alone (with the base) gives back
the same reward model: the score head travels inside the adapter."""

import json

import pytest
from safetensors import safe_open
from training_fixtures import make_run_dir, preference_rows

from training.config import SpecError
from training.data import load_eval_pairs
from training.evaluate import evaluate_reward_model
from training.models import choose_device, load_model_with_adapter
from training.progress import read_progress
from training.run import train


def test_reward_loss_falls_and_accuracy_is_high(reward_run):
    steps = [e for e in read_progress(reward_run / "progress.jsonl") if e["event"] == "progress"]
    assert steps[-1]["loss"] < steps[0]["loss"] - 0.2
    assert steps[-1]["reward_accuracy"] == 1.0
    assert steps[-1]["reward_margin"] > steps[0]["reward_margin"]


def test_reward_model_beats_the_base_on_held_out_pairs(reward_run):
    evaluation = json.loads((reward_run / "metrics.json").read_text())["eval"]
    assert list(evaluation) == ["new", "base"]
    assert evaluation["new"]["scoring"] == "reward_head"
    assert evaluation["base"]["scoring"] == "mean_token_logprob"  # the base has no trained head
    assert evaluation["new"]["preference_accuracy"] == 1.0
    assert evaluation["new"]["preference_accuracy"] > evaluation["base"]["preference_accuracy"]
    assert evaluation["new"]["rows"] == evaluation["base"]["rows"] == 16
    assert evaluation["new"]["preference_outcomes"] == "1" * 16  # the head ranks every pair right
    assert len(evaluation["base"]["preference_outcomes"]) == 16  # the gate pairs them with the base LM's


def test_score_head_is_saved_in_the_adapter(reward_run):
    adapter = reward_run / "adapter"
    with safe_open(adapter / "adapter_model.safetensors", "pt") as f:
        assert any(key.endswith("score.weight") for key in f.keys())
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS" and "score" in config["modules_to_save"]


def test_adapter_and_base_reproduce_the_trained_scores(reward_run, tiny_model_dir):
    plan = choose_device("cpu")
    model, tokenizer = load_model_with_adapter(tiny_model_dir, reward_run / "adapter", plan, reward=True)
    pairs = load_eval_pairs(reward_run / "snapshot" / "heldout.jsonl")
    again = evaluate_reward_model(
        model, tokenizer, pairs, new_adapter="default", compare_adapters={}, max_length=64, batch_size=8
    )["new"]
    trained = json.loads((reward_run / "metrics.json").read_text())["eval"]["new"]
    assert again["preference_accuracy"] == trained["preference_accuracy"]
    assert again["mean_margin"] == pytest.approx(trained["mean_margin"], abs=1e-5)


def test_rows_that_cannot_fit_max_length_are_a_clear_error(tmp_path, tiny_model_dir):
    run_dir = make_run_dir(
        tmp_path, algorithm="reward", base_model=str(tiny_model_dir), train_rows=preference_rows(4),
        hyperparameters={"max_length": 8},  # RewardTrainer drops pairs longer than this: all of them
    )
    with pytest.raises(SpecError, match="no training row fits max_length=8"):
        train(run_dir / "spec.json")
    assert not (run_dir / "adapter").exists() and not (run_dir / "metrics.json").exists()
