"""KTO: LoRA on a causal LM from unpaired thumbs up/down, with TRL's KTOTrainer.

Rows are {"prompt", "completion", "label": true|false}; a preference file is accepted too
and unpaired (chosen → true, rejected → false). Like DPO, the reference is the base model
(adapter disabled). KTO estimates its KL term from mismatched prompt/completion pairs
inside each micro-batch, so TRL needs at least 2 examples per micro-batch and a
sequential sampler (KTOConfig's default, kept).

Heavy imports happen inside the functions (see dpo.py for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import data
from .config import Hyperparameters, SpecError

if TYPE_CHECKING:
    from trl import KTOConfig, KTOTrainer

    from .models import DevicePlan

NAME = "kto"
ACCURACY_LOG_KEY = None  # KTO has no paired accuracy per step; progress lines say null
MARGIN_LOG_KEY = "rewards/margins"  # mean implicit reward of desirable minus undesirable
SEQUENCES_PER_EXAMPLE = 1  # the KL forward runs without gradients: no activations kept


@dataclass
class KTOHyperparameters(Hyperparameters):
    learning_rate: float = 5e-5
    beta: float = 0.1
    desirable_weight: float = 1.0  # raise when thumbs-up are rarer than thumbs-down
    undesirable_weight: float = 1.0

    def validate(self) -> None:
        super().validate()
        if self.per_device_train_batch_size < 2:
            raise SpecError("hyperparameter per_device_train_batch_size must be at least 2 for KTO (KL estimate)")
        if self.beta <= 0:
            raise SpecError("hyperparameter beta must be positive")


HYPERPARAMETERS = KTOHyperparameters


def load_train_rows(path: Path) -> list[dict]:
    return data.load_unpaired_rows(path)


def build_kto_config(hp: KTOHyperparameters, plan: DevicePlan, output_dir: Path, model_config) -> KTOConfig:
    from trl import KTOConfig

    from .trainer_args import MicroBatchPlan, common_trainer_args, plan_micro_batch

    micro = plan_micro_batch(hp, plan, model_config, SEQUENCES_PER_EXAMPLE)
    if micro.micro_batch < 2:  # the KL estimate needs company: checkpoint instead of splitting
        micro = MicroBatchPlan(hp.per_device_train_batch_size, hp.gradient_accumulation_steps, True, "KTO: batch >= 2")
    return KTOConfig(
        **common_trainer_args(hp, plan, output_dir, micro),
        beta=hp.beta,
        desirable_weight=hp.desirable_weight,
        undesirable_weight=hp.undesirable_weight,
    )


def build_trainer(
    *, hp: KTOHyperparameters, plan: DevicePlan, base_model_dir: Path, rows: list[dict], work_dir: Path, callbacks,
    init_adapter: Path | None = None,
) -> KTOTrainer:
    from trl import KTOTrainer

    from .models import adapter_to_train, load_causal_lm, load_tokenizer
    from .trainer_args import file_backed_dataset

    tokenizer = load_tokenizer(base_model_dir)
    model = load_causal_lm(base_model_dir, plan)
    args = build_kto_config(hp, plan, work_dir, model.config)
    model, peft_config = adapter_to_train(model, hp, "CAUSAL_LM", init_adapter)
    return KTOTrainer(
        model=model,
        args=args,
        train_dataset=file_backed_dataset(rows, work_dir / "train-data"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
