"""DPO: LoRA on a causal LM, from preference pairs, with TRL's DPOTrainer.

The reference policy is the base model itself: with a fresh LoRA adapter, TRL computes
reference log-probs by disabling the adapter, so no second copy of the model is loaded.

On CUDA the defaults are our fast configuration (bench/dpo_throughput.py measures it
against TRL's defaults on the same data):
- reference log-probs precomputed once, in one no-grad pass over the data with whole
  batches, instead of a reference forward on every step;
- pairs batched with others of similar length: padding costs compute but is not
  counted as a token, so less of it means more real tokens per second (batches are
  still drawn at random across the epoch);
- no gradient checkpointing when the activations fit (see trainer_args.plan_micro_batch):
  it re-runs every forward during the backward;
- bf16 weights; Liger's layer kernels if liger-kernel is installed (it is not a
  requirement; TRL already computes log-probs with a chunked, fused LM head).
(TRL's padding_free would cut padding further but is disabled in TRL 1.16.)
On CPU: TRL's defaults apart from fp32 and no checkpointing.

Heavy imports (torch, trl) happen inside the functions, so `DPOHyperparameters` can be
imported and validated by processes that must not load the ML stack.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from . import data
from .config import Hyperparameters, SpecError

if TYPE_CHECKING:
    from trl import DPOConfig, DPOTrainer

    from .models import DevicePlan

NAME = "dpo"
ACCURACY_LOG_KEY = "rewards/accuracies"  # TRL's share of pairs with chosen reward > rejected
MARGIN_LOG_KEY = "rewards/margins"  # mean implicit reward of chosen minus rejected
SEQUENCES_PER_EXAMPLE = 2  # chosen and rejected go through the model together
LOSS_TYPES = ("sigmoid", "ipo", "hinge", "robust", "sigmoid_norm", "apo_zero", "apo_down", "sppo_hard", "nca_pair")


@dataclass
class DPOHyperparameters(Hyperparameters):
    learning_rate: float = 5e-5  # LoRA wants more than TRL's full-finetune 1e-6
    beta: float = 0.1  # strength of the pull back towards the base model
    loss_type: str = "sigmoid"
    precompute_ref_log_probs: bool | None = None  # None: on for CUDA, off for CPU
    group_by_length: bool | None = None  # None: on for CUDA, off for CPU

    CHOICES: ClassVar[dict[str, tuple]] = {**Hyperparameters.CHOICES, "loss_type": LOSS_TYPES}

    def validate(self) -> None:
        super().validate()
        if self.beta <= 0:
            raise SpecError("hyperparameter beta must be positive")


HYPERPARAMETERS = DPOHyperparameters  # what run.py checks the spec's overrides against


def load_train_rows(path: Path) -> list[dict]:
    return data.load_preference_rows(path)


def build_dpo_config(
    hp: DPOHyperparameters, plan: DevicePlan, output_dir: Path, model_config, free_bytes: int | None = None
) -> DPOConfig:
    """free_bytes: GPU memory available for activations (default: asked from CUDA)."""
    from trl import DPOConfig

    from .trainer_args import common_trainer_args, plan_micro_batch

    fast = plan.device == "cuda"
    micro = plan_micro_batch(hp, plan, model_config, SEQUENCES_PER_EXAMPLE, free_bytes=free_bytes)
    precompute = fast if hp.precompute_ref_log_probs is None else hp.precompute_ref_log_probs
    group = fast if hp.group_by_length is None else hp.group_by_length
    extra = {}
    if precompute:
        # No activations are kept in this pass, so it can take the whole batch at once.
        extra["precompute_ref_batch_size"] = micro.micro_batch * micro.accumulation
    if group:
        # Our "length" column must survive until the sampler reads it (see add_lengths);
        # the collator only picks the columns it knows, so the others are harmless.
        extra.update(train_sampling_strategy="group_by_length", remove_unused_columns=False)
    if fast and importlib.util.find_spec("liger_kernel") is not None:
        extra["use_liger_kernel"] = True
    return DPOConfig(
        **common_trainer_args(hp, plan, output_dir, micro),
        beta=hp.beta,
        loss_type=[hp.loss_type],
        precompute_ref_log_probs=precompute,
        **extra,
    )


def add_lengths(trainer: DPOTrainer) -> None:
    """Give the tokenized training set the "length" column that length grouping reads,
    and drop the text columns TRL has finished with."""
    dataset = trainer.train_dataset
    text_columns = [c for c in ("prompt", "chosen", "rejected") if c in dataset.column_names]
    dataset = dataset.remove_columns(text_columns)
    trainer.train_dataset = dataset.map(
        lambda row: {"length": len(row["prompt_ids"]) + max(len(row["chosen_ids"]), len(row["rejected_ids"]))}
    )


def build_trainer(
    *, hp: DPOHyperparameters, plan: DevicePlan, base_model_dir: Path, rows: list[dict], work_dir: Path, callbacks,
    init_adapter: Path | None = None,
) -> DPOTrainer:
    from .models import load_causal_lm, load_tokenizer

    tokenizer = load_tokenizer(base_model_dir)
    model = load_causal_lm(base_model_dir, plan)
    return make_trainer(model, tokenizer, hp=hp, plan=plan, rows=rows, work_dir=work_dir, callbacks=callbacks,
                        init_adapter=init_adapter)


def make_trainer(model, tokenizer, *, hp, plan, rows, work_dir, callbacks=None, init_adapter=None) -> DPOTrainer:
    """The trainer for an already loaded model (bench/dpo_throughput.py uses this too, so
    it measures exactly the configuration training runs with). With init_adapter the
    reference is that adapter (TRL copies it), not the bare base model."""
    from trl import DPOTrainer

    from .models import adapter_to_train
    from .trainer_args import file_backed_dataset

    config = build_dpo_config(hp, plan, work_dir, model.config)
    model, peft_config = adapter_to_train(model, hp, "CAUSAL_LM", init_adapter)
    trainer = DPOTrainer(
        model=model,
        args=config,
        train_dataset=file_backed_dataset(rows, work_dir / "train-data"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    if config.train_sampling_strategy == "group_by_length":
        add_lengths(trainer)
    return trainer
