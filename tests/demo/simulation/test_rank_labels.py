"""Simulated annotators rank through the services and the API alike: a ranking that
happens to be the order shown is sent as kept on purpose, never refused as untouched."""
import random

import pytest

from feedback.labelling.models import Label
from feedback.labelling.services.imports import import_jsonl
from feedback.demo.simulation.annotators import SimulatedAnnotator
from feedback.demo.simulation.api_labeller import ApiLabeller, InProcessTransport
from feedback.demo.simulation.rules import prefer_shorter
from feedback.demo.simulation.seed import seed_labels, simulated_user
from tests.support.rows import jsonl_lines


@pytest.fixture
def rank_tasks(project, codebook):
    project.gold_rate = 0
    project.save()
    rows = [{"external_id": f"r-{i}", "prompt": f"Question {i}?", "kind": "rank",
             "candidates": [{"text": "Short.", "producer": "m"}, {"text": "A longer answer.", "producer": "m"},
                            {"text": "The longest answer of the three.", "producer": "m"}]} for i in range(12)]
    import_jsonl(project=project, lines=jsonl_lines(rows))
    random.seed(3)  # the display orders: some of them are the ranking the rule gives


def kept_as_shown(user) -> int:
    return sum(label.answer["order"] == label.display_order for label in Label.objects.filter(annotator=user))


def test_seeded_rankings_in_the_order_shown_are_stored(project, rank_tasks):
    user = simulated_user(project, "sim-services")
    assert seed_labels(project, user, SimulatedAnnotator(prefer_shorter, rng=random.Random(0))) == 12
    assert kept_as_shown(user) >= 1


def test_api_rankings_in_the_order_shown_are_stored(project, rank_tasks):
    from rest_framework.authtoken.models import Token

    user = simulated_user(project, "sim-api")
    token, _ = Token.objects.get_or_create(user=user)
    labeller = ApiLabeller(InProcessTransport(), project.slug, token.key, SimulatedAnnotator(prefer_shorter, rng=random.Random(0)))
    assert labeller.label_all() == 12  # an ApiError (a 400) would have stopped it
    assert kept_as_shown(user) >= 1
