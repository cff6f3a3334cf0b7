"""Small model artifacts for tests (no Django)."""
from pathlib import Path


def save_random_lora(model_dir: Path, folder: Path, seed: int = 1) -> Path:
    """A LoRA adapter on all linear layers of `model_dir` whose B matrices are random, so
    (unlike a fresh adapter) it changes the model's outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir),
                           LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM"))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    model.save_pretrained(folder)
    return folder
