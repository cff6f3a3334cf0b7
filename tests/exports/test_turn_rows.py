"""Per-turn labels in the exports, on hand-built labels whose right rows are known:

  conversation  system, user, assistant (turn 2), user, assistant (turn 4), user, candidate (turn 6)
  four annotators   turn 2: up ×3, down   → good, agreement 3/4
                    turn 4: down ×4       → bad, agreement 1
                    turn 6: up ×2, down ×2 → no row (even split)
"""
import json

import pytest

from feedback.exports.builders.turn_rows import turn_points
from feedback.exports.datasets import BUILDERS, ExportSummary
from feedback.exports.filters import ExportFilters
from feedback.exports.services import export_to_path
from feedback.labelling.models import Task
from feedback.labelling.services.imports import import_jsonl
from tests.support.labels import make_label

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "Capital of France?"},
    {"role": "assistant", "content": "Lyon."},
    {"role": "user", "content": "Are you sure?"},
    {"role": "assistant", "content": "Sorry: Paris."},
]
THUMBS = {2: ["up", "up", "up", "down"], 4: ["down"] * 4, 6: ["up", "up", "down", "down"]}


@pytest.fixture
def turn_labels(project, make_user, codebook):
    import_jsonl(project=project, lines=[json.dumps({"external_id": "chat-1", "kind": "turns", "prompt": CONVERSATION})])
    task = Task.objects.get(project=project, kind="turns")
    users = [make_user(f"annotator{i}", project=project) for i in range(4)]
    for i, user in enumerate(users):
        answer = {"turns": {str(turn): {"thumb": thumbs[i], "ratings": {"helpfulness": 1 + i}}
                            for turn, thumbs in THUMBS.items()}}
        make_label(task, user, codebook, answer)
    return task


def rows(project, dataset, **kw):
    summary = ExportSummary()
    return list(BUILDERS[dataset](project, ExportFilters(), summary, **kw)), summary


def test_each_decided_turn_is_an_unpaired_row_its_history_the_prompt(project, turn_labels):
    out, summary = rows(project, "unpaired", columns=("turn_index", "agreement", "votes", "task_id"))
    assert [(r["turn_index"], r["label"], r["agreement"], r["votes"]) for r in out] == [(2, True, 0.75, 4), (4, False, 1.0, 4)]
    first, second = out
    assert first["prompt"] == CONVERSATION[:2]
    assert first["completion"] == [{"role": "assistant", "content": "Hello! How can I help?"}]
    assert second["prompt"] == CONVERSATION[:4]
    assert second["completion"] == [{"role": "assistant", "content": "Lyon."}]
    assert {r["task_id"] for r in out} == {turn_labels.pk}
    assert summary.labels == 4 and sum(summary.rows.values()) == 2


def test_the_plain_text_form_joins_the_history(project, turn_labels):
    out, _ = rows(project, "unpaired", form="text")
    assert out[0] == {"prompt": "Be brief.\n\nHi", "completion": "Hello! How can I help?", "label": True}


def test_the_last_turn_is_the_candidate_and_min_agreement_applies(project, make_user, codebook, turn_labels):
    summary = ExportSummary()
    out = list(BUILDERS["unpaired"](project, ExportFilters(min_agreement=0.9), summary, columns=("turn_index",)))
    assert [r["turn_index"] for r in out] == [4]
    assert summary.excluded["below_min_agreement"] == 1


def test_per_turn_points_are_kept_per_aspect_for_the_ratings_dataset(project, turn_labels):
    points = list(turn_points(project, ExportFilters(), ExportSummary(), {}, form="conversational"))
    assert [p["turn_index"] for p in points] == [2, 4, 6]
    last = points[-1]
    assert last["prompt"] == CONVERSATION[:6] and last["response"] == [{"role": "assistant", "content": "Sorry: Paris."}]
    assert sorted(point for point, _ in last["points"]["helpfulness"]) == [1, 2, 3, 4]


@pytest.mark.parametrize("fmt", ["jsonl", "datasets"])
def test_the_files_load_with_datasets_with_the_turn_index(project, turn_labels, tmp_path, fmt):
    from datasets import load_dataset, load_from_disk

    path = tmp_path / ("unpaired.jsonl" if fmt == "jsonl" else "unpaired")
    manifest = export_to_path(project=project, dataset="unpaired", fmt=fmt, path=path, filters=ExportFilters(),
                              columns=("turn_index",))
    data = load_dataset("json", data_files=str(path), split="train") if fmt == "jsonl" else load_from_disk(str(path))
    if hasattr(data, "keys"):  # a DatasetDict, split by split
        data = [row for split in data.values() for row in split]
    got = sorted((row["turn_index"], row["label"], row["completion"][0]["content"]) for row in data)
    assert got == [(2, True, "Hello! How can I help?"), (4, False, "Lyon.")]
    assert manifest["rows_total"] == 2


def test_kto_trainer_steps_on_the_per_turn_rows(project, turn_labels, tiny_model_dir, tmp_path):
    """The contract with TRL, checked by TRL itself (as tests/exports/test_trl_contract.py
    does for preferences): the conversational per-turn file trains a KTO step."""
    import math

    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import KTOConfig, KTOTrainer

    path = tmp_path / "turns.jsonl"
    export_to_path(project=project, dataset="unpaired", fmt="jsonl", path=path, filters=ExportFilters())
    rows = load_dataset("json", data_files=str(path), split="train")
    assert len(rows) == 2
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    args = KTOConfig(output_dir=str(tmp_path / "out"), max_steps=1, per_device_train_batch_size=2, max_length=128,
                     report_to=[], logging_steps=1, save_strategy="no", use_cpu=True, dataloader_num_workers=0)
    trainer = KTOTrainer(model=model, args=args, train_dataset=rows, processing_class=tokenizer,
                         peft_config=LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    trainer.train()
    logged = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert trainer.state.global_step == 1 and logged and math.isfinite(logged[0]["loss"])
