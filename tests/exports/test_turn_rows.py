"""Per-turn labels in the exports, on hand-built labels whose right rows are known:

  conversation  system, user, assistant (turn 2), user, assistant (turn 4), user, candidate (turn 6)
  four annotators   turn 2: up ×3, down   → good, agreement 3/4
                    turn 4: down ×4       → bad, agreement 1
                    turn 6: up ×2, down ×2 → no row (even split)

and, rated on a rubric that rates turns (TURN_RUBRIC, TURN_POINTS), the ratings rows of
the same conversation's turns.
"""
import json
import math

import pytest

from feedback.exports.builders.turn_rows import turn_points
from feedback.exports.datasets import BUILDERS, ExportSummary
from feedback.exports.filters import ExportFilters
from feedback.exports.services import export_to_path
from feedback.labelling.models import Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.rated_labels import project_rubrics
from tests.support.labels import make_label
from tests.support.rated_labels import rubric_codebook

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


def rows(project, dataset, filters=None, **kw):
    summary = ExportSummary()
    return list(BUILDERS[dataset](project, filters or ExportFilters(), summary, **kw)), summary


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


TURN_RUBRIC = [
    {"name": "helpfulness", "question": "Does the turn help?", "scale": {"min": 1, "max": 5}, "weight": 2, "kinds": ["turns"]},
    {"name": "correctness", "question": "Is the turn right?", "scale": {"min": 1, "max": 3}, "kinds": ["turns"]},
]
# annotator → turn → (helpfulness, correctness)
TURN_POINTS = [{2: (5, 3), 4: (1, 1), 6: (4, 2)}, {2: (4, 3), 4: (2, 1), 6: (4, 3)}, {2: (3, 2), 4: (1, 1), 6: (5, 3)}]


@pytest.fixture
def rated_turns(project, make_user, admin_user, codebook):
    """Three annotators rate every turn under a rubric that rates turns; a fourth labels
    under the plain codebook (thumbs only), which the ratings rows must not read."""
    import_jsonl(project=project, lines=[json.dumps({"external_id": "chat-r", "kind": "turns", "prompt": CONVERSATION})])
    task = Task.objects.get(project=project, kind="turns")
    rubric = rubric_codebook(project, admin_user, TURN_RUBRIC, "# Rate each turn")
    for i, by_turn in enumerate(TURN_POINTS):
        answer = {"turns": {str(turn): {"thumb": "up", "ratings": {"helpfulness": h, "correctness": c}}
                            for turn, (h, c) in by_turn.items()}}
        make_label(task, make_user(f"rater{i}", project=project), rubric, answer)
    make_label(task, make_user("thumbs-only", project=project), codebook, {"turns": {"2": {"thumb": "down"}}})
    return task


def test_each_rated_turn_is_a_ratings_row_its_history_the_prompt(project, rated_turns):
    out, summary = rows(project, "ratings", columns=("turn_index", "votes", "prompt_id"))
    assert [r["turn_index"] for r in out] == [2, 4, 6]
    first, second, last = out
    assert first["prompt"] == CONVERSATION[:2]
    assert first["completion"] == [{"role": "assistant", "content": "Hello! How can I help?"}]
    assert second["prompt"] == CONVERSATION[:4] and last["prompt"] == CONVERSATION[:6]
    assert last["completion"] == [{"role": "assistant", "content": "Sorry: Paris."}]
    third = math.sqrt(2 / 9)  # the population spread of two equal points and one a step off
    assert (first["helpfulness"], first["helpfulness_count"], first["helpfulness_std"]) == (4.0, 3, round(math.sqrt(2 / 3), 4))
    assert (first["correctness"], first["correctness_count"], first["correctness_std"]) == (2.6667, 3, round(third, 4))
    assert (second["helpfulness"], second["helpfulness_std"], second["correctness"], second["correctness_std"]) == (
        1.3333, round(third, 4), 1.0, 0.0)
    assert (last["helpfulness"], last["correctness"]) == (4.3333, 2.6667)
    # score: (2 × (mean − 1)/4 + (mean − 1)/2) / 3
    assert [r["score"] for r in out] == [0.7778, 0.0556, 0.8333]
    assert {(r["votes"], r["prompt_id"], tuple(r["codebook_versions"]), r["split"]) for r in out} == {(3, "chat-r", (2,), "train")}
    # the candidate is the last turn; the others came with the imported conversation
    assert [r["producer"] for r in out][:2] == [None, None] and last["producer"]["kind"] == "imported"
    assert summary.labels == 3 and sum(summary.rows.values()) == 3


def test_turn_rows_and_response_rows_share_one_schema(project, rated, rated_turns):
    out, _ = rows(project, "ratings", form="text", columns=("turn_index",))
    turn_rows = [r for r in out if r["turn_index"] is not None]
    assert len(out) == 9 + 3 and [r["turn_index"] for r in turn_rows] == [2, 4, 6]
    assert len({tuple(r) for r in out}) == 1  # every row the same columns, in the same order
    assert turn_rows[0]["prompt"] == "Be brief.\n\nHi" and turn_rows[0]["completion"] == "Hello! How can I help?"
    assert turn_rows[0]["clarity"] is None  # v2's aspect, not this rubric's


def test_turn_points_keep_each_annotators_points_per_rubric(project, rated_turns):
    rubrics = project_rubrics(project)
    points = list(turn_points(project, ExportFilters(), ExportSummary(), rubrics, form="conversational"))
    assert [p["turn_index"] for p in points] == [2, 4, 6]
    (ratings,) = points[-1]["by_rubric"].values()
    assert sorted(given for given in ratings.points["helpfulness"].values()) == [[4], [4], [5]]
    assert points[-1]["response"] == [{"role": "assistant", "content": "Sorry: Paris."}]


def test_ratings_rows_respect_the_codebook_filter(project, rated_turns):
    assert rows(project, "ratings", filters=ExportFilters(codebook_versions=[1]))[0] == []


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_the_ratings_file_loads_with_datasets_with_the_turn_index(project, rated, rated_turns, tmp_path, fmt):
    from datasets import load_dataset

    path = tmp_path / f"ratings.{fmt}"
    manifest = export_to_path(project=project, dataset="ratings", fmt=fmt, path=path, filters=ExportFilters(),
                              columns=("turn_index",))
    data = load_dataset("json" if fmt == "jsonl" else "parquet", data_files=str(path), split="train")
    assert len(data) == manifest["rows_total"] == 12
    got = [(row["turn_index"], row["helpfulness"], row["helpfulness_count"], row["correctness_std"])
           for row in data if row["turn_index"] is not None]
    assert got == [(2, 4.0, 3, 0.4714), (4, 1.3333, 3, 0.0), (6, 4.3333, 3, 0.4714)]
    assert sum(row["turn_index"] is None for row in data) == 9


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
