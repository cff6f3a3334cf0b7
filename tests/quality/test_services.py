"""Adjudication overrides the majority in exports; gold marking; tiers."""
import json

import pytest

from feedback.exports.filters import ExportFilters
from feedback.exports.services import export_to_path
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.models import Membership, Task, Tier
from feedback.quality.services import adjudicate, gold_mark, tier_apply
from tests.conftest import jsonl_lines
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
