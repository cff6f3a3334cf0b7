"""A project whose leaderboard comparisons are known, shared by the leaderboard tests."""
from feedback.labelling.models import Candidate, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.loop.models import AdapterVersion
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines


def seed_leaderboard_project(project, annotators, codebook):
    """Four tasks whose comparisons are known: a pair (A, tie, both bad), a pair of v1 against
    itself, a ranking over v1, the base and an imported producer, and thumbs."""
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


def rank_again(project, annotator, codebook):
    """One more ranking on the seeded project's rank task (v1 > base > other): three new
    comparisons."""
    task = Task.objects.get(project=project, prompt__external_id="r")
    return make_label(task, annotator, codebook, {"order": [0, 1, 2]})
