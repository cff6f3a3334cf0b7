"""The review pages' reads: the adjudication queue, gold items, the calibration set."""
import pytest

from feedback.labelling.models import Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.selectors import adjudication_queue, calibration_items, gold_items
from feedback.quality.services import adjudicate, calibration_add, gold_mark
from tests.conftest import jsonl_lines
from tests.support.labels import make_label

A, B = {"choice": "A", "strength": None}, {"choice": "B", "strength": None}


@pytest.fixture
def tasks(project):
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": f"s-{i}", "prompt": f"Selector question {i}?", "kind": kind,
         "candidates": [{"text": f"one {i}", "producer": "m"}, {"text": f"two {i}", "producer": "m"},
                        *([{"text": f"three {i}", "producer": "m"}] if kind == "rank" else [])]}
        for i, kind in enumerate(["pair", "pair", "pair", "rank", "thumbs"])]))
    return list(Task.objects.filter(project=project).order_by("id"))


def test_the_queue_holds_disputed_pair_and_rank_tasks_smallest_majority_first(tasks, annotators, codebook, admin_user):
    split, close, unanimous, rank, thumbs = tasks
    for user, answer in zip(annotators, [A, B, B]):
        make_label(close, user, codebook, answer)
    for user, answer in zip(annotators[:2], [A, B]):
        make_label(split, user, codebook, answer)
    for user in annotators:
        make_label(unanimous, user, codebook, A)
        make_label(thumbs, user, codebook, {"thumbs": {"0": "up", "1": "down" if user == annotators[0] else "up"}})
    for user, order in zip(annotators, [[0, 1, 2], [2, 1, 0], [0, 2, 1]]):
        make_label(rank, user, codebook, {"order": order})

    queue = adjudication_queue(tasks[0].project)
    assert [d["task_id"] for d in queue] == [split.pk, close.pk, rank.pk]
    assert queue[0]["majority_share"] == 0.5 and queue[1]["answers"] == {"A": 1, "B": 2}
    assert queue[2]["kind"] == "rank" and queue[0]["prompt"] == "Selector question 0?"

    adjudicate(task=split, reviewer=admin_user, answer=A)
    assert [d["task_id"] for d in adjudication_queue(tasks[0].project)] == [close.pk, rank.pk]
    everything = adjudication_queue(tasks[0].project, open_only=False)
    assert [(d["task_id"], d["adjudicated"]) for d in everything][:2] == [(split.pk, True), (close.pk, False)]


def test_gold_items_count_the_labels_that_match(tasks, annotators, codebook):
    gold = gold_mark(task=tasks[0], answer=A)
    for user, answer in zip(annotators, [A, A, B]):
        make_label(gold, user, codebook, answer)
    gold_mark(task=tasks[1], answer=B)
    items = gold_items(tasks[0].project)
    assert [(i["task"].pk, i["correct"], i["labels"]) for i in items] == [(tasks[0].pk, 2, 3), (tasks[1].pk, 0, 0)]
    assert items[0]["accuracy"] == pytest.approx(2 / 3) and items[1]["accuracy"] is None


def test_calibration_items_of_a_version(tasks, annotators, codebook):
    assert calibration_items(codebook) == []
    copies = calibration_add(codebook=codebook, tasks=tasks[:2])
    for user, answer in zip(annotators, [A, A, B]):
        make_label(copies[0], user, codebook, answer)
    items = calibration_items(codebook)
    assert [(i["task"].pk, i["labels"]) for i in items] == [(copies[0].pk, 3), (copies[1].pk, 0)]
    assert items[0]["majority_share"] == pytest.approx(2 / 3) and items[1]["majority_share"] is None
