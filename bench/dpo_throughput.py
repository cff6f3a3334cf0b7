"""DPO training throughput: TRL's default DPOConfig against ours (training/dpo.py), on GPU.

    python bench/dpo_throughput.py                      # 1.7B and 7B shapes, both configs (H100: ~15 min)
    python bench/dpo_throughput.py --shapes 1.7b --steps 20
    python bench/dpo_throughput.py --smoke              # tiny model on CPU: checks the script runs

What is measured. Random-init llama models of two real shapes (weights don't change the
speed), bf16, SDPA attention, LoRA r16/alpha32 on all linear layers, max length 1024,
trained with TRL's DPOTrainer on the same synthetic data: random token sequences decoded
with the demo model's tokenizer, prompts of 64-448 tokens and responses of 32-512 (so
batches have the padding real data has). Each (shape, config) runs in its own process.

    trl   DPOConfig defaults (gradient checkpointing on, reference forward every step,
          random batches), given only max_length, bf16, batch 8, the step count and the
          learning rate. The learning rate (5e-5, ours) and batch are the same in both
          configs so that the losses are comparable.
    ours  training.dpo.build_dpo_config on CUDA with batch 8: reference log-probs
          precomputed once, length-grouped batches, no gradient checkpointing when the
          micro-batch fits (else gradient accumulation keeps the batch at 8), Liger kernels
          if installed.

Reported per run:
    tokens/s        non-pad tokens through the policy per second of training, after
                    --warmup steps (TRL's own "num_tokens" count: chosen + rejected)
    tokens/s(all)   the same over setup + all steps: includes our precompute pass,
                    so the comparison stays honest
    peak GiB        torch.cuda.max_memory_allocated over the run
    MFU             tokens/s * 6 * N / peak bf16 FLOP/s (H100/H200 SXM: 989e12 dense).
                    N = all parameters, frozen and LoRA. 6N per token is the usual
                    convention (forward 2N + backward 4N); for LoRA DPO it also equals the
                    work actually needed per token: policy forward 2N + activation
                    gradients 2N (frozen weights get no weight gradients) + reference
                    forward 2N. Attention score FLOPs (~4·L·s·h per token) are left out,
                    so MFU is somewhat understated at 1024 tokens.
    loss            mean of the last 5 logged losses (same data, lr and batch in both).

Vocabulary: the synthetic text is tokenized by the demo tokenizer (49152 tokens), so the
7B shape uses that vocabulary instead of Llama-2's 32000 (+135M parameters, about 2%).

Known TRL-default figures on an H100 (FACTS.md): 1.7B 20.3k tokens/s, 7B 7.2k tokens/s.
Target for ours: at least 1.5x at equal loss.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from transformers import PrinterCallback, TrainerCallback  # noqa: E402

SHAPES = {
    # SmolLM2-1.7B
    "1.7b": dict(hidden_size=2048, num_hidden_layers=24, num_attention_heads=32, num_key_value_heads=32,
                 intermediate_size=8192, vocab_size=49152, tie_word_embeddings=True),
    # Llama-2-7B
    "7b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
               intermediate_size=11008, vocab_size=32000, tie_word_embeddings=False),
    # --smoke: a few layers, small enough for 2 CPU cores
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                 intermediate_size=128, vocab_size=49152, tie_word_embeddings=True),
}
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12}
LEARNING_RATE = 5e-5
BATCH = 8
LORA_R, LORA_ALPHA = 16, 32


def synthetic_rows(tokenizer, n: int, max_length: int, vocab: int, seed: int = 0) -> list[dict]:
    """Plain-text preference rows of random tokens with realistic, varied lengths."""
    rng = random.Random(seed)
    special = set(tokenizer.all_special_ids)
    ids = [i for i in range(min(vocab, len(tokenizer))) if i not in special]

    def text(lo, hi):
        return tokenizer.decode([rng.choice(ids) for _ in range(rng.randint(lo, hi))])

    scale = max_length / 1024  # the smoke run keeps the proportions at a shorter length
    p_lo, p_hi, r_lo, r_hi = (int(x * scale) or 1 for x in (64, 448, 32, 512))
    return [{"prompt": text(p_lo, p_hi), "chosen": text(r_lo, r_hi), "rejected": text(r_lo, r_hi)} for _ in range(n)]


class Timer(TrainerCallback):
    """Keeps (time, step, tokens so far, loss) at every logging step."""

    def __init__(self):
        self.points = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.points.append((time.perf_counter(), state.global_step, logs.get("num_tokens", 0), logs["loss"]))


def run_one(shape: str, config: str, steps: int, warmup: int, max_length: int, smoke: bool) -> dict:
    import torch
    from peft import LoraConfig
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import DPOConfig, DPOTrainer

    from training.dpo import DPOHyperparameters, make_trainer
    from training.models import choose_device, load_tokenizer
    from training.registry import resolve_base_model
    from training.trainer_args import file_backed_dataset

    cuda = torch.cuda.is_available() and not smoke
    plan = choose_device("cuda" if cuda else "cpu")
    tokenizer = load_tokenizer(resolve_base_model("demo"))
    batch = 4 if smoke else BATCH
    rows = synthetic_rows(tokenizer, (steps + warmup) * batch, max_length, SHAPES[shape]["vocab_size"])

    model_config = LlamaConfig(
        **{**SHAPES[shape], "vocab_size": max(SHAPES[shape]["vocab_size"], len(tokenizer))},
        max_position_embeddings=max(4096, max_length),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    with torch.device(plan.device):
        model = LlamaForCausalLM._from_config(model_config, dtype=plan.dtype, attn_implementation="sdpa")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()

    timer = Timer()
    work = Path(tempfile.mkdtemp(prefix=f"dpo-bench-{shape}-{config}-"))
    started = time.perf_counter()
    if config == "trl":
        args = DPOConfig(
            output_dir=str(work), max_length=max_length, per_device_train_batch_size=batch, max_steps=steps + warmup,
            learning_rate=LEARNING_RATE, logging_steps=1, report_to="none", save_strategy="no", disable_tqdm=True,
            bf16=plan.bf16, use_cpu=not cuda,
        )
        peft = LoraConfig(r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=0.05, target_modules="all-linear",
                          task_type="CAUSAL_LM")
        trainer = DPOTrainer(model=model, args=args, train_dataset=file_backed_dataset(rows, work / "data"),
                             processing_class=tokenizer, peft_config=peft, callbacks=[timer])
    else:
        hp = DPOHyperparameters(
            lora_r=LORA_R, lora_alpha=LORA_ALPHA, max_length=max_length, per_device_train_batch_size=batch,
            max_steps=steps + warmup, learning_rate=LEARNING_RATE,
            # On CPU (--smoke) force the CUDA levers on, so the smoke run exercises their code.
            precompute_ref_log_probs=True, group_by_length=True,
        )
        trainer = make_trainer(model, tokenizer, hp=hp, plan=plan, rows=rows, work_dir=work, callbacks=[timer])
    trainer.remove_callback(PrinterCallback)  # it prints every log dict
    n_params = sum(p.numel() for p in trainer.model.parameters())  # frozen base + LoRA
    setup_s = time.perf_counter() - started
    trainer.train()
    total_s = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)

    points = timer.points
    t0, _, tokens0, _ = points[warmup - 1] if warmup else (started + setup_s, 0, 0, None)
    t1, _, tokens1, _ = points[-1]
    losses = [p[3] for p in points[-5:]]
    tokens_per_s = (tokens1 - tokens0) / (t1 - t0)
    peak_flops = _peak_flops() if cuda else None
    return {
        "shape": shape,
        "config": config,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "params": n_params,
        "micro_batch": trainer.args.per_device_train_batch_size,
        "grad_accum": trainer.args.gradient_accumulation_steps,
        "checkpointing": bool(trainer.args.gradient_checkpointing),
        "precompute": bool(trainer.args.precompute_ref_log_probs),
        "steps": len(points),
        "setup_s": round(setup_s, 2),
        "tokens_per_s": round(tokens_per_s, 1),
        "tokens_per_s_all": round(tokens1 / total_s, 1),
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "mfu": round(tokens_per_s * 6 * n_params / peak_flops, 4) if peak_flops else None,
        "loss": round(sum(losses) / len(losses), 5),
    }


def _peak_flops() -> float | None:
    import torch

    name = torch.cuda.get_device_name()
    return next((flops for key, flops in PEAK_BF16_FLOPS.items() if key in name), None)


def print_table(results: list[dict]) -> None:
    header = f"{'shape':6} {'config':6} {'tok/s':>9} {'tok/s(all)':>10} {'peak GiB':>8} {'MFU':>6} {'loss':>8}  setup"
    print(header)
    for r in results:
        if "error" in r:
            print(f"{r['shape']:6} {r['config']:6} failed: {r['error']}")
            continue
        mfu = f"{r['mfu']:.1%}" if r["mfu"] is not None else "-"
        peak = f"{r['peak_gib']:.1f}" if r["peak_gib"] is not None else "-"
        print(
            f"{r['shape']:6} {r['config']:6} {r['tokens_per_s']:>9.0f} {r['tokens_per_s_all']:>10.0f} {peak:>8} "
            f"{mfu:>6} {r['loss']:>8.4f}  {r['setup_s']}s (micro {r['micro_batch']} x {r['grad_accum']}, "
            f"ckpt {r['checkpointing']}, precompute {r['precompute']})"
        )
    by_shape = {}
    for r in results:
        if "error" not in r:
            by_shape.setdefault(r["shape"], {})[r["config"]] = r
    for shape, pair in by_shape.items():
        if {"trl", "ours"} <= set(pair):
            speedup = pair["ours"]["tokens_per_s"] / pair["trl"]["tokens_per_s"]
            speedup_all = pair["ours"]["tokens_per_s_all"] / pair["trl"]["tokens_per_s_all"]
            print(f"{shape}: ours / trl = {speedup:.2f}x steady, {speedup_all:.2f}x including setup")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="1.7b,7b")
    parser.add_argument("--configs", default="trl,ours")
    parser.add_argument("--steps", type=int, default=30, help="measured steps")
    parser.add_argument("--warmup", type=int, default=3, help="steps not measured")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--smoke", action="store_true", help="tiny model on CPU, 3 steps: checks the script runs")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--worker", nargs=2, metavar=("SHAPE", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:  # one measurement, in this process
        result = run_one(*args.worker, args.steps, args.warmup, args.max_length, smoke=False)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    if args.smoke:
        shapes, configs = ["tiny"], args.configs.split(",")
        results = [run_one("tiny", c, steps=2, warmup=1, max_length=128, smoke=True) for c in configs]
    else:
        import torch

        if not torch.cuda.is_available():
            print("dpo_throughput: needs a CUDA GPU (none found). Use --smoke for a CPU check.", file=sys.stderr)
            return 2
        shapes, configs = args.shapes.split(","), args.configs.split(",")
        results = []
        for shape in shapes:
            for config in configs:
                results.append(_in_subprocess(shape, config, args))
                print(json.dumps(results[-1]), flush=True)
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _in_subprocess(shape: str, config: str, args) -> dict:
    """A fresh process per run: clean peak-memory numbers, and one OOM doesn't end the bench."""
    command = [sys.executable, __file__, "--worker", shape, config, "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--max-length", str(args.max_length)]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"shape": shape, "config": config, "error": " | ".join(tail) or f"exit code {done.returncode}"}


if __name__ == "__main__":
    sys.exit(main())
