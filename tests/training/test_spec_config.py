"""The spec contract and hyperparameter checking (pure Python, no model needed)."""

import json
import subprocess
import sys

import pytest
from training_fixtures import REPO, make_run_dir, preference_rows

from training.config import SpecError, build_hyperparameters, load_spec
from training.dpo import DPOHyperparameters
from training.kto import KTOHyperparameters
from training.reward import RewardHyperparameters


def write_spec(run_dir, **body):
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "spec.json").write_text(json.dumps(body))
    return run_dir / "spec.json"


def test_spec_paths_are_relative_to_the_spec_folder(tmp_path):
    adapter = tmp_path / "adapters" / "v3"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text('{"task_type": "CAUSAL_LM"}')
    run_dir = make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model="demo",
        train_rows=preference_rows(2),
        eval_rows=preference_rows(2),
        compare_adapters={"v3": "../adapters/v3"},
    )

    spec = load_spec(run_dir / "spec.json")

    assert spec.run_dir == run_dir.resolve()
    assert spec.train_file == (run_dir / "snapshot" / "train.jsonl").resolve()
    assert spec.eval_file == (run_dir / "snapshot" / "heldout.jsonl").resolve()
    assert spec.compare_adapters == {"v3": adapter.resolve()}
    assert spec.device == "auto" and spec.hyperparameters == {}
    assert spec.base_model == "demo"


def test_optional_keys_may_be_left_out(tmp_path):
    run_dir = make_run_dir(tmp_path, algorithm="kto", base_model="/models/x", train_rows=preference_rows(1))
    spec = load_spec(run_dir / "spec.json")
    assert spec.eval_file is None and spec.compare_adapters == {}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"algorithm": "ppo"}, "unknown algorithm 'ppo'"),
        ({"train_file": "snapshot/nope.jsonl"}, "train_file not found"),
        ({"eval_file": "missing.jsonl"}, "eval_file not found"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
        ({"base_model": ""}, "base_model must be"),
        ({"hyperparameters": [1]}, "hyperparameters must be a JSON object"),
        ({"seed": 1}, "unknown spec key(s): seed"),
        ({"compare_adapters": {"new": "x"}}, "reserved"),
        ({"compare_adapters": {"v1": "no/such/dir"}}, "no PEFT adapter"),
        ({"init_adapter": "no/such/dir"}, "init_adapter: no PEFT adapter"),
        ({"init_adapter": 3}, "init_adapter must be a directory path"),
    ],
)
def test_bad_spec_is_a_clear_error(tmp_path, change, message):
    run_dir = make_run_dir(tmp_path, algorithm="dpo", base_model="demo", train_rows=preference_rows(1))
    body = json.loads((run_dir / "spec.json").read_text()) | change
    (run_dir / "spec.json").write_text(json.dumps(body))
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_spec(run_dir / "spec.json")


@pytest.mark.parametrize("algorithm, task_type", [("dpo", "SEQ_CLS"), ("kto", "SEQ_CLS"), ("reward", "CAUSAL_LM")])
@pytest.mark.parametrize("key", ["compare_adapters", "init_adapter"])
def test_adapter_of_another_kind_is_refused_before_training(tmp_path, algorithm, task_type, key):
    """PEFT would load a reward adapter onto a causal LM silently: refuse it up front."""
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"task_type": task_type}))
    value = {"v1": str(adapter)} if key == "compare_adapters" else str(adapter)
    run_dir = make_run_dir(
        tmp_path, algorithm=algorithm, base_model="demo", train_rows=preference_rows(1), **{key: value},
    )
    name = "compare_adapters\\['v1'\\]" if key == "compare_adapters" else "init_adapter"
    with pytest.raises(SpecError, match=f"{name} is a {task_type} adapter"):
        load_spec(run_dir / "spec.json")


def test_spec_that_is_not_json(tmp_path):
    (tmp_path / "spec.json").write_text("{algorithm: dpo")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_spec(tmp_path / "spec.json")


def test_defaults_per_algorithm():
    dpo = build_hyperparameters(DPOHyperparameters, {})
    assert (dpo.num_train_epochs, dpo.lora_r, dpo.lora_alpha, dpo.lora_dropout) == (1.0, 8, 16, 0.05)
    assert (dpo.beta, dpo.max_length, dpo.per_device_train_batch_size, dpo.seed) == (0.1, 512, 4, 0)
    assert dpo.lora_target_modules == "all-linear" and dpo.quantization == "none" and dpo.max_steps == -1
    assert build_hyperparameters(RewardHyperparameters, {}).learning_rate == 1e-4
    assert build_hyperparameters(KTOHyperparameters, {}).desirable_weight == 1.0


def test_overrides_are_applied_and_ints_accepted_for_floats():
    hp = build_hyperparameters(DPOHyperparameters, {"beta": 1, "lora_target_modules": ["q_proj"], "max_steps": 5})
    assert hp.beta == 1.0 and isinstance(hp.beta, float)
    assert hp.lora_target_modules == ["q_proj"] and hp.max_steps == 5


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"betta": 0.2, "lr": 1}, "unknown hyperparameter.*betta, lr"),
        ({"max_length": "512"}, "max_length='512' has the wrong type"),
        ({"lora_r": True}, "lora_r=True has the wrong type"),
        ({"quantization": "8bit"}, "expected one of none, 4bit"),
        ({"loss_type": "magic"}, "loss_type='magic'"),
        ({"per_device_train_batch_size": 0}, "at least 1"),
        ({"beta": 0}, "beta must be positive"),
        ({"max_steps": 0}, "max_steps"),
    ],
)
def test_bad_hyperparameters_name_the_key(overrides, message):
    with pytest.raises(SpecError, match=message):
        build_hyperparameters(DPOHyperparameters, overrides)


def test_kto_needs_two_examples_per_batch_for_its_kl_estimate():
    with pytest.raises(SpecError, match="at least 2 for KTO"):
        build_hyperparameters(KTOHyperparameters, {"per_device_train_batch_size": 1})


def test_checking_a_spec_does_not_import_torch():
    """The web process may validate specs and hyperparameters: that must stay light."""
    code = (
        "import sys, training.run, training.config, training.dpo, training.reward, training.kto, training.progress;"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'peft', 'datasets') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
