"""Gold items are mixed into an annotator's queue at the project's gold rate, and nothing
an annotator sees tells a gold item from any other task."""
import random

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from feedback.labelling.selectors import assignment_payload
from feedback.labelling.models import Assignment, Project, Task
from feedback.labelling.services.assignments import assignment_next, assignment_skip
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.services import gold_mark
from tests.support.rows import jsonl_lines


def make_tasks(project, n, prefix):
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": f"{prefix}-{i}", "prompt": f"{prefix} question {i}?", "kind": "pair",
         "candidates": [{"text": f"one {i}", "producer": "m"}, {"text": f"two {i}", "producer": "m"}]} for i in range(n)]))
    return list(Task.objects.filter(project=project, prompt__external_id__startswith=f"{prefix}-"))


@pytest.fixture
def mixed(project):
    make_tasks(project, 160, "reg")
    for task in make_tasks(project, 60, "special"):  # gold items, named so nothing says "gold"
        gold_mark(task=task, answer={"choice": "A"})
    return project


def served(project, user, n):
    """Whether each of the next `n` tasks served to `user` was gold (each is skipped at once)."""
    flags = []
    for _ in range(n):
        assignment = assignment_next(project=project, user=user)
        flags.append(assignment.task.is_gold)
        assignment_skip(assignment=assignment, user=user)
    return flags


@pytest.mark.parametrize("rate", [0.0, 0.25])
def test_gold_is_served_at_the_project_rate(mixed, annotators, rate):
    Project.objects.filter(pk=mixed.pk).update(gold_rate=rate)
    mixed.refresh_from_db()
    random.seed(7)
    flags = served(mixed, annotators[0], 120)
    share = sum(flags) / len(flags)
    if rate == 0:
        assert share == 0
    else:  # binomial(120, 0.25): sd ≈ 0.04; a fixed seed keeps the test repeatable
        assert abs(share - rate) < 0.1, share
        assert len({a.task_id for a in Assignment.objects.filter(annotator=annotators[0])}) == 120  # never twice


def test_a_gold_item_looks_like_any_other_task(mixed, annotators, client):
    user = annotators[0]
    regular = Task.objects.filter(project=mixed, is_gold=False).first()
    gold = Task.objects.filter(project=mixed, is_gold=True).first()
    payloads = []
    for task in (regular, gold):
        assignment = Assignment.objects.create(task=task, annotator=user, expires_at="2999-01-01T00:00Z", display_order=[0, 1])
        payloads.append(assignment_payload(assignment))
        assignment.delete()
    assert payloads[0].keys() == payloads[1].keys() and payloads[0]["task"].keys() == payloads[1]["task"].keys()
    assert "gold" not in str(payloads[1]).lower()

    Project.objects.filter(pk=mixed.pk).update(gold_rate=1.0)
    client.force_login(user)
    page = client.get(reverse("labelling:label", args=[mixed.slug])).content.decode()
    assert "special question" in page and "gold" not in page.lower()  # a gold item, not saying so
    api = APIClient()
    api.force_authenticate(annotators[1])
    response = api.post(f"/api/v1/projects/{mixed.slug}/next/")
    assert response.status_code == 200 and "special question" in response.content.decode()
    assert "gold" not in response.content.decode().lower()
