"""The review pages' reads: the adjudication queue, gold items, the calibration set."""
import pytest

from feedback.labelling.models import Label, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.presenters import with_readable_answers
from feedback.quality.kept.folding import fold
from feedback.quality.queue_choice import QueueChoice
from feedback.quality.selectors import adjudication_queue, calibration_items, gold_items
from feedback.quality.services import adjudicate, calibration_add, gold_mark
from tests.support.rows import jsonl_lines
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


def test_the_queue_holds_disputed_tasks_of_each_kind_smallest_majority_first(tasks, annotators, codebook, admin_user):
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

    queue = with_readable_answers(adjudication_queue(tasks[0].project))
    assert [d["task_id"] for d in queue] == [split.pk, close.pk, rank.pk, thumbs.pk]
    assert queue[0]["majority_share"] == 0.5 and queue[0]["prompt"] == "Selector question 0?"
    # make_label shows the responses in their own order: Response 1 (A) first
    assert queue[1]["answers"] == ["Response 2 ×2 (seen first by 0)", "Response 1 ×1 (seen first by 1)"]
    assert queue[1]["responses"] == [(1, "one 1", "one 1"), (2, "two 1", "two 1")]
    assert queue[2]["kind"] == "rank" and queue[2]["answers"] == ["1 > 2 > 3 ×1", "1 > 3 > 2 ×1", "3 > 2 > 1 ×1"]
    assert queue[2]["responses"] == [(1, "one 3", "one 3"), (2, "two 3", "two 3"), (3, "three 3", "three 3")]
    assert queue[3]["answers"] == ["Response 1: 3 up · 0 down", "Response 2: 2 up · 1 down"]
    assert queue[3]["majority_share"] == pytest.approx(0.667)  # its most split response's

    adjudicate(task=split, reviewer=admin_user, answer=A)
    assert [d["task_id"] for d in adjudication_queue(tasks[0].project)] == [close.pk, rank.pk, thumbs.pk]
    everything = adjudication_queue(tasks[0].project, QueueChoice(threshold=1.0, max_share=1.0, open_only=False))
    assert [(d["task_id"], d["adjudicated"]) for d in everything][:2] == [(split.pk, True), (close.pk, False)]


def test_seen_first_counts_the_order_each_annotator_was_shown(tasks, annotators, codebook):
    split = tasks[0]
    for user, answer, shown in zip(annotators, [A, A, B], [[1, 0], [0, 1], [1, 0]]):
        label = make_label(split, user, codebook, answer)
        Label.objects.filter(pk=label.pk).update(display_order=shown)
    (item,) = with_readable_answers(adjudication_queue(split.project))
    assert item["answers"] == ["Response 1 ×2 (seen first by 1)", "Response 2 ×1 (seen first by 1)"]


def test_the_queue_costs_the_same_queries_whatever_its_length(tasks, annotators, codebook):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, project = [], tasks[0].project
    for task in tasks[:3]:
        for user, answer in zip(annotators, [A, B]):
            make_label(task, user, codebook, answer)
        fold()
        with CaptureQueriesContext(connection) as queries:
            queue = adjudication_queue(project)
        counts.append(len(queries))
        assert all(item["responses"] and item["prompt"] for item in queue)
    # the fold finding nothing new (its savepoint and release, its lock on Postgres, the
    # changes, what is left), then the disputed tasks, their labels, adjudications,
    # prompts, responses
    fold_reads = 5 if connection.vendor == "postgresql" else 4
    assert len(queue) == 3 and counts == [fold_reads + 5] * 3


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


def _choice(project, **asked):
    from django.http import QueryDict

    from feedback.quality.queue_choice import parse_queue_choice

    return parse_queue_choice(QueryDict(mutable=True) | asked, threshold=project.dispute_threshold)


def test_the_queue_sorts_and_filters_by_kind_share_and_version(tasks, annotators, codebook, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    from feedback.labelling.services.codebooks import codebook_publish

    split, close, unanimous, rank, thumbs = tasks
    project = split.project
    earlier = timezone.now() - timedelta(days=3)
    for user, answer in zip(annotators[:2], [A, B]):  # 0.5, labelled days ago
        make_label(split, user, codebook, answer, when=earlier)
    for user, answer in zip(annotators, [A, B, B]):  # 0.667
        make_label(close, user, codebook, answer)
    for user, order in zip(annotators, [[0, 1, 2], [2, 1, 0], [0, 2, 1]]):  # 0.667, first place split 2 to 1
        make_label(rank, user, codebook, {"order": order})
    second = codebook_publish(project=project, text="# Rules v2", author=admin_user)
    for user, answer in zip(annotators, [{"thumbs": {"0": "up", "1": "up"}}, {"thumbs": {"0": "up", "1": "down"}}]):
        make_label(thumbs, user, codebook, answer)  # split under v1 alone
    make_label(thumbs, annotators[2], second, {"thumbs": {"0": "down", "1": "down"}})  # alone under v2
    make_label(unanimous, annotators[0], second, A)
    make_label(unanimous, annotators[1], second, B)  # disputed under v2 only

    def ids(**asked):
        return [d["task_id"] for d in adjudication_queue(project, _choice(project, **asked))]

    assert ids() == [split.pk, unanimous.pk, close.pk, rank.pk, thumbs.pk]  # 0.5, 0.5, then 0.667 with 3 labels each
    assert ids(sort="agreed") == [close.pk, rank.pk, thumbs.pk, split.pk, unanimous.pk]
    assert ids(sort="labels")[:3] == [close.pk, rank.pk, thumbs.pk]
    assert ids(sort="newest")[-1] == split.pk  # its labels are the oldest
    assert ids(kind="rank") == [rank.pk] and ids(kind="thumbs") == [thumbs.pk]
    assert ids(max_share="0.5") == [split.pk, unanimous.pk]
    assert ids(max_share="0.4") == []
    # one version: the task's figures over that version's labels (thumbs is split under v1, alone under v2)
    assert ids(codebook_version="1") == [split.pk, thumbs.pk, close.pk, rank.pk]
    assert ids(codebook_version="2") == [unanimous.pk]
    (v1_thumbs,) = [d for d in adjudication_queue(project, _choice(project, codebook_version="1", kind="thumbs"))]
    assert v1_thumbs["labels"] == 2 and len(v1_thumbs["given"]) == 2  # the answers shown are that version's

    project.dispute_threshold = 0.5
    project.save()
    assert ids() == [split.pk, unanimous.pk]  # the project's threshold is the default
    assert ids(max_share="1") == [split.pk, unanimous.pk, close.pk, rank.pk, thumbs.pk]
    adjudicate(task=split, reviewer=admin_user, answer=A)
    assert ids() == [unanimous.pk] and ids(show="all") == [split.pk, unanimous.pk]
