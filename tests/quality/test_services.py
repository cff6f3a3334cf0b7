"""Adjudication overrides the majority in exports; gold marking; tiers."""
import json

import pytest

from feedback.exports.filters import ExportFilters
from feedback.exports.services import export_to_path
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.models import Membership, Task, Tier
from feedback.quality.services import adjudicate, gold_mark, tier_apply
from tests.support.rows import jsonl_lines
from tests.support.labels import make_label


@pytest.fixture
def pair_task(project, codebook):
    from feedback.labelling.services.imports import import_jsonl

    import_jsonl(project=project, lines=jsonl_lines([{"external_id": "x", "prompt": "Q?", "kind": "pair",
                 "candidates": [{"text": "first", "producer": "m"}, {"text": "second", "producer": "m"}]}]))
    return Task.objects.get(project=project)


def exported(project, tmp_path):
    path = tmp_path / "p.jsonl"
    export_to_path(project=project, dataset="preference", fmt="jsonl", path=path, filters=ExportFilters(), form="text")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_adjudicated_answer_wins_over_the_majority_in_exports(project, pair_task, annotators, codebook, admin_user, tmp_path):
    for user in annotators[:2]:
        make_label(pair_task, user, codebook, {"choice": "A", "strength": None})
    make_label(pair_task, annotators[2], codebook, {"choice": "B", "strength": None})
    assert [(r["chosen"], r["rejected"]) for r in exported(project, tmp_path)] == [("first", "second")]
    adjudicate(task=pair_task, reviewer=admin_user, answer={"choice": "B"}, note="A is factually wrong")
    assert [(r["chosen"], r["rejected"]) for r in exported(project, tmp_path)] == [("second", "first")]
    adjudicate(task=pair_task, reviewer=admin_user, answer={"choice": "tie"})  # replaced, and now excluded
    assert exported(project, tmp_path) == []


def test_adjudication_checks_the_answer_and_can_make_a_gold_item(pair_task, admin_user):
    with pytest.raises(InvalidAnswer):
        adjudicate(task=pair_task, reviewer=admin_user, answer={"order": [1, 0]})
    adjudicate(task=pair_task, reviewer=admin_user, answer={"choice": "A"}, make_gold=True)
    pair_task.refresh_from_db()
    assert pair_task.is_gold and pair_task.gold_answer == {"choice": "A", "strength": None}
    gold_mark(task=pair_task, answer=None)
    assert not pair_task.is_gold


def test_tier_apply(project, annotators):
    membership = Membership.objects.get(project=project, user=annotators[0])
    assert tier_apply(membership=membership, tier=Tier.EXPERT).tier == Tier.EXPERT
    with pytest.raises(ValueError):
        tier_apply(membership=membership, tier="guru")


def test_a_calibration_set_is_carried_to_each_new_version_and_served_first(project, pair_task, annotators, codebook, admin_user):
    from feedback.labelling.services.assignments import assignment_next
    from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
    from feedback.quality.services import calibration_add

    (v1_item,) = calibration_add(codebook=codebook, tasks=[pair_task])
    assert v1_item.pk != pair_task.pk and v1_item.calibration_for == codebook
    assert [c.pk for c in v1_item.ordered_candidates()] == [c.pk for c in pair_task.ordered_candidates()]
    assert calibration_add(codebook=codebook, tasks=[pair_task, v1_item]) == [v1_item]  # idempotent; copies not copied
    # every annotator gets it first, beyond the overlap of 3
    assert {assignment_next(project=project, user=u).task_id for u in annotators + [admin_user]} == {v1_item.pk}

    v2 = codebook_publish(project=project, text="# Rules v2", author=admin_user)
    (v2_item,) = v2.calibration_tasks.all()
    assert v2_item.pk != v1_item.pk and v2_item.prompt_id == pair_task.prompt_id
    codebook_acknowledge(user=annotators[0], codebook=v2)
    from feedback.labelling.models import Assignment

    Assignment.objects.filter(annotator=annotators[0]).delete()
    assert assignment_next(project=project, user=annotators[0]).task_id == v2_item.pk


def test_calibration_add_refuses_other_projects_tasks(pair_task, codebook):
    from feedback.labelling.models import Project
    from feedback.labelling.services.codebooks import codebook_publish
    from feedback.quality.services import calibration_add

    other = codebook_publish(project=Project.objects.create(name="Other", slug="other"), text="rules")
    with pytest.raises(ValueError):
        calibration_add(codebook=other, tasks=[pair_task])
