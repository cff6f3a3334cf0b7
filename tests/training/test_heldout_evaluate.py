"""Held-out evaluation for the promotion gate: new vs compare adapters vs base, same rows."""

import json

import pytest
import torch
from training_fixtures import TINY_HP, make_run_dir, preference_rows

from training.dpo import build_trainer
from training.evaluate import encode_response, summarize
from training.models import choose_device
from training.run import evaluate, train


def test_trained_adapter_beats_the_base(dpo_run):
    evaluation = json.loads((dpo_run / "metrics.json").read_text())["eval"]
    new, base = evaluation["new"], evaluation["base"]
    assert new["rows"] == base["rows"] == 16
    assert new["preference_accuracy"] == 1.0
    assert new["preference_accuracy"] > base["preference_accuracy"]
    assert new["mean_margin"] > base["mean_margin"]
    # relative to the base (its reference), the adapter prefers the chosen responses
    assert new["implicit_reward_accuracy"] == 1.0 and new["implicit_reward_margin"] > 0
    assert "implicit_reward_accuracy" not in base
    # Per pair, in the eval file's order, what the gate's confidence rule counts.
    assert new["preference_outcomes"] == new["implicit_reward_outcomes"] == "1" * 16
    assert len(base["preference_outcomes"]) == 16
    assert base["preference_outcomes"].count("1") / 16 == pytest.approx(base["preference_accuracy"])


def test_compare_adapters_are_scored_on_the_same_rows(dpo_run, tiny_model_dir, heldout_rows, tmp_path):
    """A second run compares itself with the first run's adapter: the numbers for that
    adapter and for the base must be exactly what the first run measured."""
    run_dir = make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(8, seed=5),
        eval_rows=heldout_rows,
        compare_adapters={"v1": str(dpo_run / "adapter")},
        hyperparameters={**TINY_HP, "max_steps": 1},
    )
    evaluation = train(run_dir / "spec.json")["eval"]
    first = json.loads((dpo_run / "metrics.json").read_text())["eval"]

    assert list(evaluation) == ["new", "v1", "base"]
    for key in ("preference_accuracy", "mean_margin", "rows", "implicit_reward_margin"):
        assert evaluation["v1"][key] == pytest.approx(first["new"][key], abs=1e-5)
    for key in ("preference_outcomes", "implicit_reward_outcomes"):  # pair by pair: the gate's paired test
        assert evaluation["v1"][key] == first["new"][key]
    assert evaluation["base"] == pytest.approx(first["base"], abs=1e-5)
    # one step of training is not the eight of v1: the gate would keep v1
    assert evaluation["new"]["mean_margin"] < evaluation["v1"]["mean_margin"]
    # the saved adapter is the new one only, not the compare adapter loaded beside it
    assert sorted(p.name for p in (run_dir / "adapter").iterdir() if p.is_dir()) == []


def test_an_adapter_that_does_not_fit_the_base_is_reported_not_fatal(tiny_model_dir, heldout_rows, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    other_base = LlamaConfig(vocab_size=49152, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                             num_attention_heads=2, num_key_value_heads=1)
    lora = LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM")
    get_peft_model(LlamaForCausalLM(other_base), lora).save_pretrained(tmp_path / "other")
    run_dir = make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(8),
        eval_rows=heldout_rows,
        compare_adapters={"other": str(tmp_path / "other")},
        hyperparameters={**TINY_HP, "max_steps": 1},
    )
    evaluation = train(run_dir / "spec.json")["eval"]
    assert "could not load adapter" in evaluation["other"]["error"]
    assert "size mismatch" in evaluation["other"]["error"]
    assert "preference_accuracy" not in evaluation["other"]
    assert evaluation["new"]["rows"] == evaluation["base"]["rows"] == 16
    assert (run_dir / "adapter" / "adapter_model.safetensors").is_file()


def test_evaluate_command_rescores_a_finished_run(dpo_run):
    report = evaluate(dpo_run / "spec.json")
    trained = json.loads((dpo_run / "metrics.json").read_text())["eval"]
    assert json.loads((dpo_run / "eval.json").read_text()) == report
    assert report["eval"]["new"] == pytest.approx(trained["new"], abs=1e-5)
    assert report["eval"]["base"] == pytest.approx(trained["base"], abs=1e-5)


def test_ties_count_as_misses():
    result = summarize(torch.tensor([1.0, 2.0, 3.0, 0.0]), torch.tensor([0.0, 2.0, 4.0, -1.0]), "x")
    assert result["preference_accuracy"] == 0.5 and result["rows"] == 4
    assert result["preference_outcomes"] == "1001"
    assert result["mean_margin"] == pytest.approx(0.25)


@pytest.mark.parametrize("conversational", [True, False])
def test_scoring_tokenizes_exactly_as_trl_trains(tiny_model_dir, tmp_path, conversational):
    """The response scored at evaluation is the token sequence DPO trained on."""
    from training.config import build_hyperparameters
    from training.dpo import DPOHyperparameters

    rows = preference_rows(3, conversational=conversational)
    for row in rows:
        row.pop("agreement", None), row.pop("task_id", None), row.pop("strength", None)
    trainer = build_trainer(
        hp=build_hyperparameters(DPOHyperparameters, {"max_length": 64}),
        plan=choose_device("cpu"),
        base_model_dir=tiny_model_dir,
        rows=rows,
        work_dir=tmp_path,
        callbacks=None,
    )
    tokenizer = trainer.processing_class
    for row, tokenized in zip(rows, trainer.train_dataset, strict=True):
        for key in ("chosen", "rejected"):
            ids, start = encode_response(tokenizer, row["prompt"], row[key], max_length=64)
            assert ids[:start] == tokenized["prompt_ids"]
            assert ids[start:] == tokenized[f"{key}_ids"]
