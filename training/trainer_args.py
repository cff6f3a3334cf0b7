"""TrainingArguments shared by the three algorithms, and how a batch is split on CUDA.

On CUDA the fastest LoRA step skips gradient checkpointing (which re-runs every layer's
forward during the backward: a large share of a LoRA step, whose backward is cheap
because the base weights get no gradients; bench/README.md, "Loop", has the figure). Without it, activations of the whole
micro-batch stay in memory, so `plan_micro_batch` picks the largest micro-batch that
fits and makes up the batch with gradient accumulation: the optimizer sees the same
batch, only the memory/compute trade changes. If not even one example fits, it falls
back to checkpointing. On CPU none of this matters: no checkpointing, one micro-batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .config import Hyperparameters
from .models import DevicePlan

GIB = 1024**3


@dataclass(frozen=True)
class MicroBatchPlan:
    micro_batch: int  # examples per forward/backward
    accumulation: int  # micro-batches per optimizer step (includes the spec's own)
    gradient_checkpointing: bool
    reason: str


def activation_bytes_per_token(model_config) -> float:
    """Bytes autograd keeps per token for a llama-style decoder without checkpointing,
    bf16, LoRA on every linear layer. Counted per layer from what each op saves:
    two RMSNorms (fp32 copy + bf16 output) 16h; q/k/v/o and MLP inputs 6h + 2i;
    RoPE'd q, k and the attention's q, k, v, out ≈ 8h + 4kv; SiLU and gating 6i;
    the inputs each LoRA branch saves after its own dropout 12h + 2i. About
    40% of this is the MLP for llama shapes."""
    h = model_config.hidden_size
    i = getattr(model_config, "intermediate_size", None) or 4 * h
    heads = model_config.num_attention_heads
    kv = getattr(model_config, "num_key_value_heads", None) or heads
    kv_dim = kv * (getattr(model_config, "head_dim", None) or h // heads)
    per_layer = 42 * h + 4 * kv_dim + 10 * i
    return float(per_layer * model_config.num_hidden_layers)


def plan_micro_batch(
    hp: Hyperparameters,
    plan: DevicePlan,
    model_config,
    sequences_per_example: int,
    free_bytes: int | None = None,
    safety: float = 1.5,
) -> MicroBatchPlan:
    """How to run one batch of `per_device_train_batch_size` examples (a DPO pair is two
    sequences, a KTO example one). An explicit hp.gradient_checkpointing is obeyed."""
    batch, accumulation = hp.per_device_train_batch_size, hp.gradient_accumulation_steps
    if hp.gradient_checkpointing is not None:
        return MicroBatchPlan(batch, accumulation, hp.gradient_checkpointing, "set in hyperparameters")
    if plan.device != "cuda":
        return MicroBatchPlan(batch, accumulation, False, "CPU: memory is not the constraint")
    if free_bytes is None:
        free_bytes, _total = torch.cuda.mem_get_info()
    # Keep room for the allocator's fragmentation, LoRA/optimizer state and logits chunks.
    budget = free_bytes * 0.9 - 2 * GIB
    per_example = safety * activation_bytes_per_token(model_config) * sequences_per_example * hp.max_length
    for micro in sorted((d for d in range(1, batch + 1) if batch % d == 0), reverse=True):
        if micro * per_example <= budget:
            return MicroBatchPlan(
                micro,
                accumulation * (batch // micro),
                False,
                f"~{micro * per_example / GIB:.1f} GiB of activations fit in {budget / GIB:.1f} GiB",
            )
    return MicroBatchPlan(batch, accumulation, True, "one example's activations do not fit: checkpointing")


def common_trainer_args(hp: Hyperparameters, plan: DevicePlan, output_dir: Path, micro: MicroBatchPlan) -> dict:
    """Keyword arguments every TRL config here takes (DPOConfig, RewardConfig, KTOConfig)."""
    args = dict(
        output_dir=str(output_dir),
        num_train_epochs=hp.num_train_epochs,
        max_steps=hp.max_steps,
        learning_rate=hp.learning_rate,
        warmup_steps=hp.warmup_steps,
        per_device_train_batch_size=micro.micro_batch,
        gradient_accumulation_steps=micro.accumulation,
        per_device_eval_batch_size=hp.eval_batch_size,
        activation_checkpointing=micro.gradient_checkpointing,  # transformers 5 name
        max_length=hp.max_length,
        seed=hp.seed,
        logging_steps=hp.logging_steps,
        # TRL turns bf16 on by default; on CPU that would be slow autocast, so say it.
        bf16=plan.bf16,
        use_cpu=plan.device == "cpu",
        dataloader_pin_memory=plan.device == "cuda",
        # Outputs are ours to write (adapter/, metrics.json): no checkpoints, no trackers.
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )
    if micro.gradient_checkpointing:
        args["activation_checkpointing_kwargs"] = {"use_reentrant": False}
    return args


def file_backed_dataset(rows: list[dict], folder: Path):
    """A datasets.Dataset stored in `folder` (the run's scratch space). TRL's preprocessing
    and its precomputed reference log-probs are then cached next to it, inside the run
    directory, instead of in a process-wide temporary folder."""
    from datasets import Dataset, load_from_disk

    Dataset.from_list(rows).save_to_disk(str(folder))
    return load_from_disk(str(folder))
