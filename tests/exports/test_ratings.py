"""The ratings dataset and the preference pairs derived from ratings, on hand-built
labels whose right answers are known (tests/support/rated_labels.py)."""
import json
import math

import pytest
from django.http import QueryDict

from feedback.exports.datasets import BUILDERS, ExportSummary
from feedback.exports.filters import ExportFilters, FilterError, parse_filters
from feedback.exports.options import parse_options
from feedback.exports.services import export_to_path
from tests.support.rated_labels import TEXTS


def rows(project, dataset, filters=None, **kw):
    summary = ExportSummary()
    return list(BUILDERS[dataset](project, filters or ExportFilters(), summary, **kw)), summary


def by_completion(out):
    return {(r["completion"][0]["content"], tuple(r["codebook_versions"])): r for r in out}


def test_ratings_rows_have_each_aspects_mean_count_and_spread(project, rated):
    out, summary = rows(project, "ratings")
    got = by_completion(out)
    r0 = got[(TEXTS["rate-3"][0], (1,))]
    assert r0["prompt"] == [{"role": "user", "content": "Prompt for rate-3?"}]
    assert r0["helpfulness"] == pytest.approx(4.6667) and r0["helpfulness_count"] == 3
    assert r0["helpfulness_std"] == pytest.approx(math.sqrt(2 / 9), abs=1e-4)
    assert (r0["correctness"], r0["correctness_count"]) == (pytest.approx(4.6667), 3)
    assert r0["score"] == pytest.approx(0.9167, abs=1e-4)
    assert r0["producer"] == {"kind": "imported", "name": "m0", "adapter_version": None}
    r2 = got[(TEXTS["rate-3"][2], (1,))]
    assert (r2["helpfulness"], r2["helpfulness_std"], r2["score"]) == (3.0, pytest.approx(0.8165, abs=1e-4), 0.5)
    # v1's aspects and v2's, on every row: null where the row's rubric has none
    assert r0["clarity"] is None and r0["clarity_count"] is None
    assert list(r0)[:11] == ["prompt", "completion", "helpfulness", "helpfulness_count", "helpfulness_std", "correctness",
                             "correctness_count", "correctness_std", "clarity", "clarity_count", "clarity_std"]
    assert len(out) == sum(summary.rows.values()) == 3 + 2 + 2 + 2


def test_a_response_rated_in_two_tasks_is_one_row_each_annotator_counted_once(project, rated):
    got = by_completion(rows(project, "ratings")[0])
    p0, p1 = got[(TEXTS["pair-rated"][0], (1,))], got[(TEXTS["pair-rated"][1], (1,))]
    assert (p0["helpfulness"], p0["helpfulness_count"]) == (pytest.approx(13 / 3, abs=1e-4), 3)
    assert (p1["helpfulness"], p1["helpfulness_count"]) == (2.5, 3)  # u1's 2 and 1 are one annotator's 1.5
    assert (p0["correctness"], p0["correctness_count"], p0["correctness_std"]) == (5.0, 1, 0.0)  # the rate task alone asks it


def test_rubrics_are_not_pooled_across_scales(project, rated):
    got = by_completion(rows(project, "ratings")[0])
    v0, v1 = got[(TEXTS["v2-rate"][0], (2,))], got[(TEXTS["v2-rate"][1], (2,))]
    assert (v0["helpfulness"], v0["helpfulness_std"], v0["clarity"], v0["correctness"]) == (6.0, 1.0, 3.0, None)
    assert v0["score"] == pytest.approx(0.9167, abs=1e-4) and v1["score"] == pytest.approx(0.2083, abs=1e-4)


def test_ratings_filters_and_text_form(project, rated):
    out, _ = rows(project, "ratings", ExportFilters(codebook_versions=[2]), form="text", columns=("prompt_id", "votes"))
    assert {r["completion"] for r in out} == set(TEXTS["v2-rate"][:2])
    assert out[0]["prompt"] == "Prompt for v2-rate?" and out[0]["prompt_id"] == "v2-rate" and out[0]["votes"] == 2
    assert "correctness" not in out[0]  # only v2's aspects when only v2 is exported


def test_a_project_without_a_rubric_exports_no_ratings_rows(project):
    # no codebook version rates anything: the labels' query matches nothing and has no SQL
    out, summary = rows(project, "ratings")
    assert out == [] and summary.labels == 0


def test_ratings_refuse_columns_they_do_not_have():
    with pytest.raises(ValueError, match="a ratings row can add prompt_id, split, votes, turn_index, not agreement"):
        parse_options(QueryDict("dataset=ratings&columns=agreement"))


def pairs(out):
    return {(r["chosen"][0]["content"], r["rejected"][0]["content"]): r for r in out}


def test_pairs_derived_from_ratings_best_against_each_lower(project, rated):
    out, summary = rows(project, "preference", ExportFilters(source="ratings"), columns=("votes", "task_id"))
    got = pairs(out)
    r, p, v = TEXTS["rate-3"], TEXTS["pair-rated"], TEXTS["v2-rate"]
    assert set(got) == {(r[0], r[1]), (r[0], r[2]), (p[0], p[1]), (v[0], v[1])}
    assert got[(r[0], r[1])]["score_margin"] == pytest.approx(0.4167, abs=1e-4) and got[(r[0], r[1])]["agreement"] == 1.0
    pair = got[(p[0], p[1])]
    assert (pair["score_margin"], pair["agreement"], pair["votes"]) == (pytest.approx(0.4583, abs=1e-4), 0.6667, 3)
    assert pair["task_id"] == rated["task"]["pair-rated"].pk  # the first task showing both
    assert {row["source"] for row in out} == {"ratings"}
    assert summary.excluded == {"below_min_margin": 1}  # near-tie's 0.0417
    assert summary.labels == 11 and summary.tasks == 5


def test_the_margin_and_worst_options(project, rated):
    out, summary = rows(project, "preference", ExportFilters(source="ratings", min_margin=0.04, rejected="worst"))
    got = pairs(out)
    r, n = TEXTS["rate-3"], TEXTS["near-tie"]
    assert (n[0], n[1]) in got and got[(n[0], n[1])]["agreement"] == 0.5  # u1 scored a tie: not for n0
    assert [pair for pair in got if pair[0] == r[0]] == [(r[0], r[2])]  # only the worst (r1 and r2 tie; the later)
    assert summary.excluded == {}
    out, summary = rows(project, "preference", ExportFilters(source="ratings", min_agreement=0.9))
    assert (TEXTS["pair-rated"][0], TEXTS["pair-rated"][1]) not in pairs(out)
    assert summary.excluded == {"below_min_margin": 1, "below_min_agreement": 1}


def test_both_sources_keep_choice_rows_and_say_where_each_row_came_from(project, rated):
    out, summary = rows(project, "preference", ExportFilters(source="both"))
    p = TEXTS["pair-rated"]
    sources = sorted((r["source"], r["chosen"][0]["content"], r["rejected"][0]["content"], r["score_margin"]) for r in out
                     if r["chosen"][0]["content"] == p[0])
    assert sources == [("choice", p[0], p[1], None), ("ratings", p[0], p[1], pytest.approx(0.4583, abs=1e-4))]
    assert list(out[0])[3:] == ["source", "score_margin", "agreement"]
    assert summary.labels == 11  # the pair labels read by both roads are counted once
    plain, _ = rows(project, "preference")
    assert [set(r) for r in plain] == [{"prompt", "chosen", "rejected"}]  # choices alone: as always


def test_rating_pair_options_are_parsed_and_recorded(project, rated, tmp_path):
    filters = parse_filters(QueryDict("source=both&rejected=worst&min_margin=0.1"))
    assert (filters.source, filters.rejected, filters.min_margin) == ("both", "worst", 0.1)
    for query, says in [("source=votes", "source: one of choices, ratings, both"), ("rejected=all", "rejected: one of"),
                        ("min_margin=2", "min_margin: a number between 0 and 1"), ("min_margin=x", "min_margin")]:
        with pytest.raises(FilterError, match=says):
            parse_filters(QueryDict(query))
    manifest = export_to_path(project=project, dataset="preference", fmt="jsonl", path=tmp_path / "p.jsonl",
                              filters=ExportFilters(source="ratings"))
    assert manifest["filters"]["source"] == "ratings" and manifest["filters"]["min_margin"] == 0.05
    assert manifest["excluded"] == {"below_min_margin": 1} and manifest["rows_total"] == 4
    assert "source" not in export_to_path(project=project, dataset="preference", fmt="jsonl", path=tmp_path / "c.jsonl",
                                          filters=ExportFilters())["filters"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "datasets"])
def test_ratings_files_load_with_datasets(project, rated, tmp_path, fmt):
    from datasets import load_dataset, load_from_disk

    path = tmp_path / f"ratings.{fmt}"
    manifest = export_to_path(project=project, dataset="ratings", fmt=fmt, path=path, filters=ExportFilters())
    if fmt == "datasets":
        table = load_from_disk(str(path))
    else:
        table = load_dataset("json" if fmt == "jsonl" else "parquet", data_files=str(path), split="train")
    assert len(table) == manifest["rows_total"] == 9
    assert {"helpfulness", "helpfulness_count", "helpfulness_std", "clarity", "score", "producer"} <= set(table.column_names)
    row = next(r for r in table if r["completion"][0]["content"] == TEXTS["rate-3"][0])
    assert row["helpfulness"] == pytest.approx(4.6667) and row["clarity"] is None and row["codebook_versions"] == [1]


def test_rating_pairs_as_parquet_carry_the_source_columns(project, rated, tmp_path):
    from datasets import load_dataset

    path = tmp_path / "pairs.parquet"
    export_to_path(project=project, dataset="preference", fmt="parquet", path=path, filters=ExportFilters(source="both"))
    table = load_dataset("parquet", data_files=str(path), split="train")
    assert {"source", "score_margin", "agreement"} <= set(table.column_names)
    assert set(table["source"]) == {"choice", "ratings"}


def test_jsonl_lines_equal_the_dicts(project, rated, tmp_path):
    path = tmp_path / "both.jsonl"
    export_to_path(project=project, dataset="preference", fmt="jsonl", path=path, filters=ExportFilters(source="both"))
    out, _ = rows(project, "preference", ExportFilters(source="both"))
    assert [json.loads(line) for line in path.read_text().splitlines()] == out


def test_dpo_trainer_steps_on_rating_derived_pairs(project, rated, tiny_model_dir, tmp_path):
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    path = tmp_path / "pref.jsonl"
    manifest = export_to_path(project=project, dataset="preference", fmt="jsonl", path=path,
                              filters=ExportFilters(source="ratings"))
    table = load_dataset("json", data_files=str(path), split="train")
    assert len(table) == manifest["rows_total"] == 4
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    args = DPOConfig(output_dir=str(tmp_path / "out"), max_steps=1, per_device_train_batch_size=2, max_length=128,
                     report_to=[], logging_steps=1, save_strategy="no", use_cpu=True, dataloader_num_workers=0)
    trainer = DPOTrainer(model=model, args=args, train_dataset=table, processing_class=tokenizer,
                         peft_config=LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    trainer.train()
    assert trainer.state.global_step == 1
    assert any(math.isfinite(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry)
