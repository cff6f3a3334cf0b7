"""Reward model: a scalar head on the base LM, LoRA on its layers, with TRL's RewardTrainer.

The model is AutoModelForSequenceClassification(num_labels=1): the base transformer plus a
new linear "score" head read at the last non-pad token. LoRA adapts the transformer; the
head is trained in full and saved inside the adapter (PEFT's modules_to_save for
TaskType.SEQ_CLS), so the adapter directory plus the base model reproduce the reward
model exactly (see models.load_model_with_adapter(..., reward=True)).

Loss: -log σ(r(chosen) - r(rejected)). Note that RewardTrainer drops (does not truncate)
pairs longer than max_length; metrics.json reports how many rows were used.

Heavy imports happen inside the functions (see dpo.py for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import data
from .config import Hyperparameters

if TYPE_CHECKING:
    from trl import RewardConfig, RewardTrainer

    from .models import DevicePlan

NAME = "reward"
ACCURACY_LOG_KEY = "accuracy"  # TRL's share of pairs with r(chosen) > r(rejected)
MARGIN_LOG_KEY = "margin"  # mean r(chosen) - r(rejected)
SEQUENCES_PER_EXAMPLE = 2


@dataclass
class RewardHyperparameters(Hyperparameters):
    learning_rate: float = 1e-4  # TRL's RewardConfig default; the head starts from random
    center_rewards_coefficient: float | None = None  # e.g. 0.01 pulls rewards towards mean 0


HYPERPARAMETERS = RewardHyperparameters


def load_train_rows(path: Path) -> list[dict]:
    return data.load_preference_rows(path)


def build_reward_config(hp: RewardHyperparameters, plan: DevicePlan, output_dir: Path, model_config) -> RewardConfig:
    from trl import RewardConfig

    from .trainer_args import common_trainer_args, plan_micro_batch

    micro = plan_micro_batch(hp, plan, model_config, SEQUENCES_PER_EXAMPLE)
    return RewardConfig(
        **common_trainer_args(hp, plan, output_dir, micro),
        center_rewards_coefficient=hp.center_rewards_coefficient,
    )


def build_trainer(
    *, hp: RewardHyperparameters, plan: DevicePlan, base_model_dir: Path, rows: list[dict], work_dir: Path, callbacks,
    init_adapter: Path | None = None,
) -> RewardTrainer:
    from trl import RewardTrainer

    from .models import adapter_to_train, load_reward_model, load_tokenizer
    from .trainer_args import file_backed_dataset

    tokenizer = load_tokenizer(base_model_dir)
    model = load_reward_model(base_model_dir, plan, tokenizer.pad_token_id)
    args = build_reward_config(hp, plan, work_dir, model.config)
    model, peft_config = adapter_to_train(model, hp, "SEQ_CLS", init_adapter)
    return RewardTrainer(
        model=model,
        args=args,
        train_dataset=file_backed_dataset(rows, work_dir / "train-data"),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
