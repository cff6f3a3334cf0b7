"""The contract with TRL, checked by TRL itself: an exported preference file loads with
`datasets.load_dataset("json")` and a real DPOTrainer takes a step on it."""
import math

import pytest

from feedback.exports.filters import ExportFilters
from feedback.exports.services import export_to_path


@pytest.mark.parametrize("form", ["conversational", "text"])
def test_dpo_trainer_steps_on_an_exported_preference_file(project, known_labels, tiny_model_dir, tmp_path, form):
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    path = tmp_path / "pref.jsonl"
    manifest = export_to_path(
        project=project, dataset="preference", fmt="jsonl", path=path, filters=ExportFilters(), form=form,
        columns=("agreement", "strength"),
    )
    rows = load_dataset("json", data_files=str(path), split="train")
    assert len(rows) == manifest["rows_total"] >= 2

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    args = DPOConfig(
        output_dir=str(tmp_path / "out"), max_steps=1, per_device_train_batch_size=2, max_length=128,
        report_to=[], logging_steps=1, save_strategy="no", use_cpu=True, dataloader_num_workers=0,
    )
    trainer = DPOTrainer(
        model=model, args=args, train_dataset=rows, processing_class=tokenizer,
        peft_config=LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"),
    )
    trainer.train()
    logged = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert trainer.state.global_step == 1
    assert logged and math.isfinite(logged[0]["loss"])
