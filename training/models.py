"""Loading base models, tokenizers and PEFT adapters on the chosen device.

One place decides device and precision (`choose_device`) so training, evaluation and
generation load models the same way:

- CUDA: bf16 weights (fp16-free: bf16 needs no loss scaling); with quantization "4bit"
  the frozen base is nf4 via bitsandbytes (QLoRA) and LoRA computes in bf16.
- CPU: fp32 (CPU bf16 matmuls are slow and lossy); "4bit" is refused (bitsandbytes'
  4-bit kernels need CUDA).

Every `from_pretrained` uses local_files_only: base models are local directories.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: never reach the hub

import torch
from peft import LoraConfig, PeftModel, TaskType
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BitsAndBytesConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .config import Hyperparameters, SpecError


@dataclass(frozen=True)
class DevicePlan:
    device: str  # "cuda" | "cpu"
    dtype: torch.dtype  # weights (and autocast) dtype
    quantization: str  # "none" | "4bit"

    @property
    def bf16(self) -> bool:
        return self.dtype == torch.bfloat16

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    def describe(self) -> dict:
        return {"device": self.device, "dtype": self.dtype_name, "quantization": self.quantization}


def choose_device(requested: str = "auto", quantization: str = "none") -> DevicePlan:
    """auto → CUDA if there is one, else CPU. Asking for what cannot run is an error."""
    cuda = torch.cuda.is_available()
    if requested == "cuda" and not cuda:
        raise SpecError("device 'cuda' requested but no CUDA device is available")
    device = "cuda" if (requested == "cuda" or (requested == "auto" and cuda)) else "cpu"
    if quantization == "4bit" and device != "cuda":
        raise SpecError("quantization '4bit' (QLoRA) needs a CUDA GPU; use quantization 'none' on CPU")
    if device == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    else:
        dtype = torch.float32
    return DevicePlan(device=device, dtype=dtype, quantization=quantization)


def load_tokenizer(model_dir: Path) -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    if tokenizer.pad_token is None:  # padding is masked out, so any known token will do
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_kwargs(plan: DevicePlan) -> dict:
    kwargs = {"dtype": plan.dtype, "local_files_only": True}
    if plan.quantization == "4bit":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    if plan.device == "cuda":
        # One GPU per process: under a multi-process launch LOCAL_RANK is this process's.
        kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", torch.cuda.current_device()))}
    return kwargs


def load_causal_lm(model_dir: Path, plan: DevicePlan) -> PreTrainedModel:
    return AutoModelForCausalLM.from_pretrained(model_dir, **_load_kwargs(plan))


def load_reward_model(model_dir: Path, plan: DevicePlan, pad_token_id: int) -> PreTrainedModel:
    """The base LM with a fresh scalar head ("score"). The head is trained and saved with
    the adapter (PEFT's modules_to_save), so base + adapter dir reproduce the reward model."""
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1, **_load_kwargs(plan))
    # The score is read at the last non-pad token, so the model must know the pad id.
    model.config.pad_token_id = pad_token_id
    return model


def lora_config(hp: Hyperparameters, task_type: str) -> LoraConfig:
    """LoRA on all linear layers by default. For TaskType.SEQ_CLS, PEFT adds the "score"
    head to modules_to_save itself, so it is trained in full and saved in the adapter."""
    return LoraConfig(
        r=hp.lora_r,
        lora_alpha=hp.lora_alpha,
        lora_dropout=hp.lora_dropout,
        target_modules=hp.lora_target_modules,
        task_type=TaskType(task_type),
        bias="none",
    )


def adapter_to_train(model: PreTrainedModel, hp: Hyperparameters, task_type: str, init_adapter: Path | None):
    """(model, peft_config) for a TRL trainer: a fresh LoRA built from the hyperparameters,
    or, with init_adapter, that adapter loaded trainable under PEFT's default name, so
    training continues from it (TRL then makes a frozen copy of it the DPO reference)."""
    if init_adapter is None:
        return model, lora_config(hp, task_type)
    return PeftModel.from_pretrained(model, str(init_adapter), is_trainable=True), None


def attach_adapter(model: PreTrainedModel | PeftModel, adapter_dir: Path, name: str) -> PeftModel:
    """Load an adapter onto a model that may or may not already be a PeftModel, and make
    it the active one. Adapters on one base share its weights: no reload of the base."""
    if isinstance(model, PeftModel):
        model.load_adapter(str(adapter_dir), adapter_name=name, is_trainable=False)
    else:
        model = PeftModel.from_pretrained(model, str(adapter_dir), adapter_name=name, is_trainable=False)
    model.set_adapter(name)
    return model


def load_model_with_adapter(
    base_dir: Path, adapter_dir: Path | None, plan: DevicePlan, *, reward: bool = False
) -> tuple[PreTrainedModel | PeftModel, PreTrainedTokenizerBase]:
    """Base model (+ adapter) in eval mode, with its tokenizer: for evaluation and generation."""
    tokenizer = load_tokenizer(base_dir)
    if reward:
        model = load_reward_model(base_dir, plan, tokenizer.pad_token_id)
    else:
        model = load_causal_lm(base_dir, plan)
    if adapter_dir is not None:
        model = attach_adapter(model, adapter_dir, "default")
    model.eval()
    return model, tokenizer
