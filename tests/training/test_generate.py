"""Batched generation on the tiny model: the CLI contract, left padding that changes
nothing, and adapters swapped on one base."""
import json

import pytest
from training_fixtures import run_cli, write_jsonl

from tests.support.models import save_random_lora

PROMPTS = [
    {"prompt_id": i, "messages": [{"role": "user", "content": text}]}
    for i, text in enumerate(["Hi.", "Tell me a long story about a dragon and a knight.", "Why is the sky blue?",
                              "Count to three.", "What is a cat?"])
]


@pytest.fixture(scope="module")
def nonzero_adapter(tiny_model_dir, tmp_path_factory):
    return save_random_lora(tiny_model_dir, tmp_path_factory.mktemp("adapter"), seed=3)


def spec(tmp_path, base, **overrides):
    write_jsonl(tmp_path / "prompts.jsonl", PROMPTS)
    body = {"base_model": str(base), "prompts_file": "prompts.jsonl", "producers": [{"name": "base", "adapter": None}],
            "samples": [{"temperature": 0, "seed": 1}], "max_new_tokens": 6, "batch_size": 4, "device": "cpu",
            **overrides}
    (tmp_path / "generate.json").write_text(json.dumps(body))
    return tmp_path / "generate.json"


def test_cli_writes_one_row_per_prompt_producer_and_sample(tmp_path, tiny_model_dir, nonzero_adapter, model_cache):
    path = spec(tmp_path, tiny_model_dir, producers=[{"name": "v1", "adapter": str(nonzero_adapter)},
                                                       {"name": "base", "adapter": None}],
                samples=[{"temperature": 0.8, "top_p": 0.9, "seed": 1}, {"temperature": 0.8, "top_p": 0.9, "seed": 2}],
                batch_size=8)
    done = run_cli(["generate", str(path)], model_cache)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text().splitlines()]
    assert len(rows) == 5 * 2 * 2
    assert {(r["prompt_id"], r["producer"], r["sampling"]["seed"]) for r in rows} == {
        (p, producer, seed) for p in range(5) for producer in ("v1", "base") for seed in (1, 2)}
    assert all(r["sampling"] == {"temperature": 0.8, "top_p": 0.9, "seed": r["sampling"]["seed"], "max_new_tokens": 6}
               for r in rows)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[-1] == {**events[-1], "event": "phase", "phase": "done"}
    assert [e["step"] for e in events if e["event"] == "progress"][-1] == 20
    metrics = json.loads((tmp_path / "generate_metrics.json").read_text())
    assert metrics["candidates"] == 20 and metrics["tokens_per_second"] > 0 and metrics["device"] == "cpu"
    assert 0 < metrics["new_tokens"] <= 20 * 6
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("change, message", [
    ({"producers": []}, "producers must be a non-empty list"),
    ({"producers": [{"name": "x", "adapter": "/nowhere"}]}, "no adapter at /nowhere"),
    ({"samples": [{"temperature": -1}]}, "temperature must be"),
    ({"batch_size": 0}, "batch_size must be"),
    ({"colour": "red"}, "unknown spec key"),
    ({"max_new_tokens": "many"}, "max_new_tokens must be"),
    ({"prompts_file": "missing.jsonl"}, "prompts_file not found"),
])
def test_bad_specs_exit_2_with_the_reason_and_write_nothing(tmp_path, tiny_model_dir, model_cache, change, message):
    done = run_cli(["generate", str(spec(tmp_path, tiny_model_dir, **change))], model_cache)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "candidates.jsonl").exists()


def test_batched_left_padded_generation_equals_one_at_a_time(tiny_model_dir):
    from training.generate import generate_batch
    from training.generate_spec import Sample
    from training.models import choose_device, load_causal_lm, load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    tokenizer.padding_side = "left"
    model = load_causal_lm(tiny_model_dir, choose_device("cpu")).eval()
    encoded = [list(tokenizer.apply_chat_template(p["messages"], add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"])
               for p in PROMPTS]
    assert len({len(ids) for ids in encoded}) > 1  # the batch really is padded
    greedy = Sample(temperature=0, top_p=1.0, seed=0)
    batched, _ = generate_batch(model, tokenizer, encoded, greedy, 8, "cpu")
    alone = [generate_batch(model, tokenizer, [ids], greedy, 8, "cpu")[0][0] for ids in encoded]
    assert batched == alone
    warm = Sample(temperature=1.0, top_p=0.9, seed=7)  # a seed reproduces a sampled batch
    assert generate_batch(model, tokenizer, encoded, warm, 8, "cpu") == generate_batch(model, tokenizer, encoded, warm, 8, "cpu")


def test_new_tokens_are_counted_up_to_each_rows_end_of_sequence():
    import torch

    from training.generate import count_new_tokens

    eos = 2  # the demo tokenizer pads with its eos token
    new = torch.tensor([[5, 6, 2, 2, 2], [5, 6, 7, 8, 9], [2, 2, 2, 2, 2]])
    assert count_new_tokens(new, [eos]) == 3 + 5 + 1
    assert count_new_tokens(new, []) == 15


def test_a_run_that_fails_midway_leaves_no_candidates(tmp_path, tiny_model_dir, monkeypatch):
    import training.generate as module

    real, calls = module.generate_batch, []

    def fail_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "generate_batch", fail_on_second_batch)
    (tmp_path / "candidates.jsonl").write_text("from an earlier attempt\n")
    with pytest.raises(RuntimeError, match="killed"):
        module.generate(spec(tmp_path, tiny_model_dir, batch_size=2))
    assert len(calls) == 2  # the first batch's rows were written, to the temporary file only
    assert not (tmp_path / "candidates.jsonl").exists() and not list(tmp_path.glob(".*.tmp"))
    assert not (tmp_path / "generate_metrics.json").exists()
    last = json.loads((tmp_path / "progress.jsonl").read_text().splitlines()[-1])
    assert last["event"] == "error" and last["message"] == "killed"


def test_adapters_swap_on_one_base_and_the_base_producer_is_the_plain_base(tmp_path, tiny_model_dir, nonzero_adapter):
    from training.generate import generate

    generate(spec(tmp_path, tiny_model_dir, producers=[{"name": "v1", "adapter": str(nonzero_adapter)},
                                                         {"name": "base", "adapter": None}], max_new_tokens=8))
    rows = [json.loads(line) for line in (tmp_path / "candidates.jsonl").read_text().splitlines()]
    by = {(r["producer"], r["prompt_id"]): r["text"] for r in rows}
    plain = tmp_path / "plain"
    plain.mkdir()
    generate(spec(plain, tiny_model_dir, max_new_tokens=8))
    alone = {json.loads(line)["prompt_id"]: json.loads(line)["text"] for line in (plain / "candidates.jsonl").read_text().splitlines()}
    assert all(by[("base", p)] == alone[p] for p in alone)
    assert any(by[("v1", p)] != alone[p] for p in alone)


def bench(*args, model_cache):
    import subprocess
    import sys

    from training_fixtures import REPO, cli_env

    return subprocess.run([sys.executable, "bench/generation.py", *args], cwd=REPO, env=cli_env(model_cache),
                          capture_output=True, text=True, timeout=120)


def test_the_generation_bench_measures_both_modes(model_cache):
    done = bench("--shape", "tiny", "--device", "cpu", "--prompts", "3", "--max-new-tokens", "2", "--batch-size", "3",
                 model_cache=model_cache)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "batched (batch 3" in done.stdout and "one at a time (3 prompts): 6 tokens" in done.stdout
    assert "speedup:" in done.stdout


def test_the_generation_bench_without_a_gpu_says_unmeasured(model_cache):
    import torch

    if torch.cuda.is_available():
        pytest.skip("on a GPU this would start the real benchmark")
    done = bench("--shape", "1.7b", model_cache=model_cache)
    assert done.returncode == 0 and "needs a CUDA GPU" in done.stdout and "unmeasured" in done.stdout
