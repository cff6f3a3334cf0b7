"""End to end on the real SmolLM2-135M demo model: spec says "demo", the registry finds
the converted model, two LoRA DPO steps run on CPU, the adapter is written and evaluated."""

import json

from training_fixtures import make_run_dir, preference_rows, run_cli


def test_two_dpo_steps_on_the_real_demo_model(tmp_path, demo_model_dir, model_cache):
    run_dir = make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model="demo",
        train_rows=preference_rows(4),
        eval_rows=preference_rows(2, seed=1, start=1000),
        hyperparameters={"max_steps": 2, "per_device_train_batch_size": 2, "max_length": 48},
    )
    done = run_cli(["train", str(run_dir / "spec.json")], model_cache, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["base_model"] == "demo" and metrics["base_model_dir"] == str(demo_model_dir)
    assert metrics["steps"] == 2 and metrics["device"] == "cpu"
    adapter_config = json.loads((run_dir / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["r"] == 8 and adapter_config["lora_alpha"] == 16
    # all linear layers of the llama blocks, not the LM head
    linear = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert set(adapter_config["target_modules"]) == linear
    assert (run_dir / "adapter" / "adapter_model.safetensors").stat().st_size > 1_000_000  # r=8 on 30 layers
    assert metrics["eval"]["new"]["rows"] == metrics["eval"]["base"]["rows"] == 2
