"""Base model names → local directories; the demo model conversion."""

import pytest
from training_fixtures import run_cli

from training.config import SpecError
from training.registry import DEMO_DIR, resolve_base_model


def test_demo_conversion_gives_a_safetensors_folder_that_loads_and_answers(demo_model_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert demo_model_dir.name == DEMO_DIR
    files = {p.name for p in demo_model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "source.json"} <= files
    assert not any(name.endswith(".gguf") for name in files)

    model = AutoModelForCausalLM.from_pretrained(demo_model_dir, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(demo_model_dir, local_files_only=True)
    assert "quantization_config" not in model.config.to_dict()
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    assert "Paris" in tokenizer.decode(out[0, inputs["input_ids"].shape[1] :])


def test_resolving_again_reuses_the_converted_folder(demo_model_dir, model_cache):
    before = (demo_model_dir / "model.safetensors").stat().st_mtime_ns
    assert resolve_base_model("smollm2-135m-instruct", model_cache) == demo_model_dir
    assert resolve_base_model("Demo", model_cache) == demo_model_dir
    assert (demo_model_dir / "model.safetensors").stat().st_mtime_ns == before
    assert not [p for p in model_cache.iterdir() if ".tmp-" in p.name]  # no temporary left behind


def test_cache_dir_comes_from_the_environment(demo_model_dir, model_cache, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MODEL_CACHE", str(model_cache))
    assert resolve_base_model("demo") == demo_model_dir


def test_prepare_demo_command_prints_the_folder(demo_model_dir, model_cache):
    done = run_cli(["prepare-demo"], model_cache, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(demo_model_dir)


def test_local_directory_is_returned_as_is(tiny_model_dir):
    assert resolve_base_model(str(tiny_model_dir)) == tiny_model_dir.resolve()


@pytest.mark.parametrize("name", ["llama-7b", "meta-llama/Llama-2-7b-hf", "/no/such/model"])
def test_unknown_name_or_missing_directory_is_an_error(name):
    with pytest.raises(SpecError, match="neither a known model name .* nor an existing local directory"):
        resolve_base_model(name)


def test_directory_without_a_model_is_an_error(tmp_path):
    with pytest.raises(SpecError, match="no config.json"):
        resolve_base_model(str(tmp_path))

