"""Labels → comparisons between producers, and the leaderboard's rows, on labels whose
right answer is known."""
from feedback.labelling.models import Task
from feedback.labelling.services.imports import import_jsonl
from feedback.loop.leaderboard_data import comparisons_for, leaderboard
from feedback.loop.models import AdapterVersion
from feedback.quality.producers import BASE
from tests.support.rows import jsonl_lines
from tests.support.labels import make_label


def setup(project, annotators, codebook):
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": "p", "prompt": "Q?", "kind": "pair",
         "candidates": [{"text": "new", "producer": "m"}, {"text": "old", "producer": {"kind": "base", "name": "demo"}}]},
        {"external_id": "same", "prompt": "Q2?", "kind": "pair",
         "candidates": [{"text": "x", "producer": "m"}, {"text": "y", "producer": "m"}]},
        {"external_id": "r", "prompt": "Q3?", "kind": "rank",
         "candidates": [{"text": "a", "producer": "m"}, {"text": "b", "producer": {"kind": "base", "name": "demo"}},
                        {"text": "c", "producer": "other"}]},
        {"external_id": "t", "prompt": "Q4?", "kind": "thumbs",
         "candidates": [{"text": "u", "producer": "m"}, {"text": "v", "producer": {"kind": "base", "name": "demo"}}]},
    ]))
    v1 = AdapterVersion.objects.create(project=project, version=1, algorithm="dpo", base_model="demo", directory="d",
                                       weights_sha256="0" * 64)
    # Candidates from "m" are v1's outputs.
    from feedback.labelling.models import Candidate

    Candidate.objects.filter(prompt__project=project, producer_name="m").update(producer_kind="adapter", adapter=v1)
    tasks = {t.prompt.external_id: t for t in Task.objects.filter(project=project).select_related("prompt")}
    alice, bob, carol = annotators
    make_label(tasks["p"], alice, codebook, {"choice": "A"})
    make_label(tasks["p"], bob, codebook, {"choice": "tie"})
    make_label(tasks["p"], carol, codebook, {"choice": "both_bad"})
    make_label(tasks["same"], alice, codebook, {"choice": "A"})  # v1 vs v1: not a comparison
    make_label(tasks["r"], alice, codebook, {"order": [2, 0, 1]})  # other > v1 > base, other > base
    make_label(tasks["t"], alice, codebook, {"thumbs": {"0": "up", "1": "down"}})
    make_label(tasks["t"], bob, codebook, {"thumbs": {"0": "up", "1": "up"}})


def test_comparisons_from_pairs_rankings_and_thumbs(project, annotators, codebook):
    setup(project, annotators, codebook)
    found = comparisons_for(project)
    assert sorted(zip(found.first, found.second, found.score)) == sorted([
        ("v1", BASE, 1.0), ("v1", BASE, 0.5),  # pair: A, tie (both bad skipped)
        ("imported: other", "v1", 1.0), ("imported: other", BASE, 1.0), ("v1", BASE, 1.0),  # the ranking
    ])
    assert dict(found.thumbs) == {"v1": [2, 2], BASE: [1, 2]}


def test_leaderboard_rows(project, annotators, codebook):
    setup(project, annotators, codebook)
    rows = {row["version"]: row for row in leaderboard(project, bootstrap=50)}
    assert rows[BASE]["rating"] == 1000.0  # the anchor
    assert rows["v1"]["rating"] > 1000 and rows["v1"]["ci_low"] <= rows["v1"]["rating"] <= rows["v1"]["ci_high"]
    assert (rows["v1"]["wins"], rows["v1"]["ties"], rows["v1"]["losses"]) == (2, 1, 1)
    assert rows["v1"]["win_rate"] == round(2.5 / 4, 4)
    assert rows["v1"]["thumbs_up_share"] == 1.0 and rows[BASE]["thumbs_up_share"] == 0.5
    assert [row["version"] for row in leaderboard(project, bootstrap=0)][0] == "imported: other"
