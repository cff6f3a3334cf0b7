"""Device choice and the CUDA fast configuration, checked without a GPU: the micro-batch
planner is a pure function of the model shape and the free memory it is given."""

from types import SimpleNamespace

import pytest
import torch

from training.config import SpecError
from training.dpo import DPOHyperparameters, build_dpo_config
from training.models import DevicePlan, choose_device
from training.trainer_args import GIB, activation_bytes_per_token, plan_micro_batch

CPU = DevicePlan("cpu", torch.float32, "none")
GPU = DevicePlan("cuda", torch.bfloat16, "none")
SMOLLM2_1_7B = SimpleNamespace(
    hidden_size=2048, intermediate_size=8192, num_attention_heads=32, num_key_value_heads=32, num_hidden_layers=24
)


def test_cpu_never_checkpoints_and_keeps_the_batch():
    plan = plan_micro_batch(DPOHyperparameters(per_device_train_batch_size=8), CPU, SMOLLM2_1_7B, 2)
    assert (plan.micro_batch, plan.accumulation, plan.gradient_checkpointing) == (8, 1, False)


def test_cuda_splits_the_batch_to_fit_instead_of_checkpointing():
    hp = DPOHyperparameters(per_device_train_batch_size=8, gradient_accumulation_steps=2, max_length=1024)
    per_pair = 1.5 * activation_bytes_per_token(SMOLLM2_1_7B) * 2 * 1024
    # room for 3 pairs: the largest divisor of 8 that fits is 2, so 4 micro-batches per batch
    plan = plan_micro_batch(hp, GPU, SMOLLM2_1_7B, 2, free_bytes=int((3 * per_pair + 2 * GIB) / 0.9))
    assert (plan.micro_batch, plan.accumulation, plan.gradient_checkpointing) == (2, 8, False)
    # everything fits
    plan = plan_micro_batch(hp, GPU, SMOLLM2_1_7B, 2, free_bytes=1000 * GIB)
    assert (plan.micro_batch, plan.accumulation, plan.gradient_checkpointing) == (8, 2, False)
    # not even one pair fits: checkpoint, whole batch
    plan = plan_micro_batch(hp, GPU, SMOLLM2_1_7B, 2, free_bytes=3 * GIB)
    assert (plan.micro_batch, plan.accumulation, plan.gradient_checkpointing) == (8, 2, True)


def test_explicit_checkpointing_choice_is_obeyed():
    hp = DPOHyperparameters(gradient_checkpointing=True)
    assert plan_micro_batch(hp, CPU, SMOLLM2_1_7B, 2).gradient_checkpointing is True


def test_activation_estimate_is_in_the_expected_range():
    # ~4 MiB per token for the 1.7B shape: 16 sequences of 1024 tokens would need ~70 GiB
    assert 3 * 2**20 < activation_bytes_per_token(SMOLLM2_1_7B) < 6 * 2**20


def test_fast_dpo_configuration_is_the_cuda_default(tmp_path, monkeypatch):
    # TrainingArguments refuses bf16 without a GPU; pretend to have one (transformers'
    # check only: the configuration is built, nothing runs on it).
    monkeypatch.setattr("transformers.training_args.is_torch_bf16_gpu_available", lambda: True)
    hp = DPOHyperparameters(per_device_train_batch_size=8, max_length=1024)
    fast = build_dpo_config(hp, GPU, tmp_path, SMOLLM2_1_7B, free_bytes=60 * GIB)
    assert fast.precompute_ref_log_probs and fast.precompute_ref_batch_size == 8
    assert fast.train_sampling_strategy == "group_by_length" and not fast.remove_unused_columns
    assert fast.bf16 and not fast.gradient_checkpointing
    assert fast.per_device_train_batch_size * fast.gradient_accumulation_steps == 8

    plain = build_dpo_config(hp, CPU, tmp_path, SMOLLM2_1_7B)
    assert not plain.precompute_ref_log_probs and plain.train_sampling_strategy == "random"
    assert not plain.bf16 and not plain.gradient_checkpointing and plain.use_cpu

    overridden = build_dpo_config(
        DPOHyperparameters(precompute_ref_log_probs=False, group_by_length=False), GPU, tmp_path, SMOLLM2_1_7B,
        free_bytes=60 * GIB,
    )
    assert not overridden.precompute_ref_log_probs and overridden.train_sampling_strategy == "random"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_4bit_without_cuda_is_a_clear_error():
    with pytest.raises(SpecError, match="'4bit'.*needs a CUDA GPU"):
        choose_device("auto", "4bit")
    with pytest.raises(SpecError, match="no CUDA device"):
        choose_device("cuda")
    assert choose_device("auto").device == "cpu"
