"""Candidate generation throughput: batched `generate` against one prompt at a time.

    python bench/generation.py                              # demo model on CPU: 16 prompts, 32 new tokens
    python bench/generation.py --prompts 8 --max-new-tokens 24
    python bench/generation.py --shape 1.7b                 # random-init SmolLM2-1.7B shape, bf16, CUDA
    python bench/generation.py --shape 1.7b --prompts 512 --batch-size 256 --max-new-tokens 128
    python bench/generation.py --shape tiny --device cpu    # a few seconds: checks the script runs

Both modes go through the code `python -m training generate` runs
(training.generate.generate_batch: left padding, one `generate` call per batch, the same
sampling settings and seed) on the same prompts:

    batched        prompts sorted by length and cut into batches of --batch-size
                   (training.generate.batches), one `generate` call per batch
    one at a time  one `generate` call per prompt, no padding at all

Every row generates exactly --max-new-tokens tokens (min_new_tokens = max_new_tokens, so
no row stops early at an end-of-sequence token) and both modes do the same amount of
decoding; tokens/s is new tokens per second of wall time (prefill included), after one
untimed warm-up call per mode. On a GPU one prompt at a time is slow, so that mode is
timed on the first --sequential-prompts prompts only (default 32 there; all of them on
CPU): its tokens/s barely depends on how many prompts it is given.

Models: --model "demo" (default, the real SmolLM2-135M-Instruct, fp32 on CPU / bf16 on
CUDA, chat-formatted questions) or a local model directory; --shape builds a random-init
llama instead (weights do not change the speed) fed random token prompts of 32-512
tokens (--shape tiny: 8-48), so it needs no tokenizer or model files:

    1.7b   SmolLM2-1.7B: hidden 2048, 24 layers, 32 heads, intermediate 8192, vocab 49152
    tiny   2 layers, hidden 64: for checking the script on CPU

A --shape other than tiny needs CUDA; without it the script says so, prints "unmeasured"
and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SHAPES = {
    "1.7b": dict(hidden_size=2048, num_hidden_layers=24, num_attention_heads=32, num_key_value_heads=32,
                 intermediate_size=8192, vocab_size=49152, tie_word_embeddings=True),
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                 intermediate_size=128, vocab_size=49152, tie_word_embeddings=True),
}
GPU_ONLY_SHAPES = ("1.7b",)
QUESTIONS = [
    "Hi.",
    "What is the capital of France?",
    "Write a haiku about autumn leaves.",
    "Explain in two sentences why the sky is blue.",
    "Give me three tips for sleeping better.",
    "What is the difference between a list and a tuple in Python?",
    "Summarize the plot of Romeo and Juliet.",
    "How do I boil an egg so the yolk stays soft?",
    "Translate 'good morning, how are you?' into Spanish.",
    "Tell me a short story about a dragon who is afraid of the dark and a knight who helps.",
    "What causes the seasons on Earth?",
    "Suggest a name for a small bakery by the sea.",
    "Why do cats purr?",
    "List the planets of the solar system in order from the sun.",
    "What should I pack for a weekend hiking trip in the mountains in early spring?",
    "Count to five.",
]


class TokenIdsOnly:
    """What generate_batch needs from a tokenizer, for random-token prompts (--shape)."""

    pad_token_id = 0
    eos_token_id = 2

    def batch_decode(self, rows, skip_special_tokens=True):
        return [" ".join(map(str, row.tolist())) for row in rows]


def demo_prompts(tokenizer, n: int) -> list[list[int]]:
    from training.generate import encode_prompts

    questions = [QUESTIONS[i % len(QUESTIONS)] + (f" ({i // len(QUESTIONS)})" if i >= len(QUESTIONS) else "")
                 for i in range(n)]
    return encode_prompts(tokenizer, [[{"role": "user", "content": q}] for q in questions])


def random_prompts(n: int, vocab: int, low: int, high: int, seed: int = 0) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(3, vocab) for _ in range(rng.randint(low, high))] for _ in range(n)]


def load(args):
    """(model, tokenizer, prompts, description) or None when the shape needs a GPU."""
    import torch

    if args.shape:
        cuda = torch.cuda.is_available() and args.device != "cpu"
        if args.shape in GPU_ONLY_SHAPES and not cuda:
            return None  # before importing transformers: saying so takes a moment only
        from transformers import LlamaConfig, LlamaForCausalLM

        from training.models import choose_device

        plan = choose_device("cuda" if cuda else "cpu")
        config = LlamaConfig(**SHAPES[args.shape], max_position_embeddings=4096, bos_token_id=1, eos_token_id=2,
                             pad_token_id=0)
        config._attn_implementation = "sdpa"
        torch.manual_seed(0)
        with torch.device(plan.device):
            model = LlamaForCausalLM(config).to(plan.dtype)
        low, high = (8, 48) if args.shape == "tiny" else (32, 512)
        prompts = random_prompts(args.prompts, config.vocab_size, low, high)
        return model.eval(), TokenIdsOnly(), prompts, plan, f"shape {args.shape} (random init)"

    from training.models import choose_device, load_causal_lm, load_tokenizer
    from training.registry import resolve_base_model

    plan = choose_device(args.device)
    model_dir = resolve_base_model(args.model, args.cache_dir)
    tokenizer = load_tokenizer(model_dir)
    tokenizer.padding_side = "left"
    model = load_causal_lm(model_dir, plan).eval()
    return model, tokenizer, demo_prompts(tokenizer, args.prompts), plan, f"model {args.model}"


def timed(run, device: str) -> float:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    run()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def measure(args) -> dict | None:
    loaded = load(args)
    if loaded is None:
        return None
    import torch

    from training.generate import batches, generate_batch
    from training.generate_spec import Sample

    model, tokenizer, prompts, plan, what = loaded
    sample = Sample(temperature=args.temperature, top_p=args.top_p, seed=args.seed)
    new = args.max_new_tokens

    def run(group: list[list[int]]) -> int:
        return generate_batch(model, tokenizer, group, sample, new, plan.device, min_new_tokens=new)[1]

    groups = [[prompts[i] for i in group] for group in batches(prompts, [len(p) for p in prompts], args.batch_size)]
    sequential = prompts[: args.sequential_prompts or len(prompts)]
    run(groups[0][:2])  # warm-up (kernels, allocator), untimed
    counted = {}
    if plan.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    batched_s = timed(lambda: counted.__setitem__("batched", sum(run(g) for g in groups)), plan.device)
    peak = torch.cuda.max_memory_allocated() / 2**30 if plan.device == "cuda" else None
    one_s = timed(lambda: counted.__setitem__("one", sum(run([p]) for p in sequential)), plan.device)
    assert counted["batched"] == len(prompts) * new and counted["one"] == len(sequential) * new, counted
    lengths = [len(p) for p in prompts]
    padded = sum(len(g) * max(map(len, g)) for g in groups)
    result = {
        "what": what, **plan.describe(), "prompts": len(prompts), "prompt_tokens": [min(lengths), max(lengths)],
        "padding_share": round(1 - sum(lengths) / padded, 3), "max_new_tokens": new, "batch_size": args.batch_size,
        "sampling": {"temperature": sample.temperature, "top_p": sample.top_p, "seed": sample.seed},
        "batched": {"prompts": len(prompts), "tokens": counted["batched"], "seconds": round(batched_s, 3),
                    "tokens_per_second": round(counted["batched"] / batched_s, 1), "peak_gib": peak and round(peak, 2)},
        "one_at_a_time": {"prompts": len(sequential), "tokens": counted["one"], "seconds": round(one_s, 3),
                          "tokens_per_second": round(counted["one"] / one_s, 1)},
        "torch_threads": torch.get_num_threads(),
    }
    result["speedup"] = round(result["batched"]["tokens_per_second"] / result["one_at_a_time"]["tokens_per_second"], 2)
    if plan.device == "cuda":
        result["gpu"] = torch.cuda.get_device_name()
    return result


def report(r: dict) -> None:
    print(f"{r['what']} on {r.get('gpu') or r['device']} ({r['dtype']}), {r['prompts']} prompts of "
          f"{r['prompt_tokens'][0]}-{r['prompt_tokens'][1]} tokens, {r['max_new_tokens']} new tokens each, "
          f"temperature {r['sampling']['temperature']} top_p {r['sampling']['top_p']}")
    b, o = r["batched"], r["one_at_a_time"]
    peak = f", peak {b['peak_gib']} GiB" if b["peak_gib"] else ""
    print(f"batched (batch {r['batch_size']}, padding {r['padding_share']:.0%}): {b['tokens']} tokens in "
          f"{b['seconds']:.2f} s = {b['tokens_per_second']:.1f} tokens/s{peak}")
    print(f"one at a time ({o['prompts']} prompts): {o['tokens']} tokens in {o['seconds']:.2f} s = "
          f"{o['tokens_per_second']:.1f} tokens/s")
    print(f"speedup: {r['speedup']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", default="demo", help="'demo' or a local model directory (default: demo)")
    source.add_argument("--shape", choices=sorted(SHAPES), help="random-init llama of this shape instead")
    parser.add_argument("--prompts", type=int, help="default: 16 (--model), 256 (--shape 1.7b), 8 (--shape tiny)")
    parser.add_argument("--max-new-tokens", type=int, help="default: 32 (--model, tiny), 128 (--shape 1.7b)")
    parser.add_argument("--batch-size", type=int, help="default: 16 (--model, tiny), 128 (--shape 1.7b)")
    parser.add_argument("--sequential-prompts", type=int,
                        help="prompts timed one at a time (default: all on CPU, 32 on CUDA)")
    parser.add_argument("--temperature", type=float, default=0.7, help="0: greedy (default 0.7)")
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--cache-dir", help="demo model cache (default: $FEEDBACK_MODEL_CACHE or var/models)")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    big = args.shape in GPU_ONLY_SHAPES
    args.prompts = args.prompts or (256 if big else 8 if args.shape == "tiny" else 16)
    args.max_new_tokens = args.max_new_tokens or (128 if big else 32)
    args.batch_size = args.batch_size or (128 if big else 16)
    for name in ("prompts", "max_new_tokens", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")

    import torch

    if args.sequential_prompts is None and torch.cuda.is_available() and args.device != "cpu":
        args.sequential_prompts = 32
    result = measure(args)
    if result is None:
        print(f"shape {args.shape} needs a CUDA GPU and none is available here: unmeasured")
        result = {"what": f"shape {args.shape}", "unmeasured": "no CUDA GPU"}
    else:
        report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
