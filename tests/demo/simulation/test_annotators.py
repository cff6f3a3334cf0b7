import random

from feedback.demo.simulation.annotators import SimulatedAnnotator
from feedback.demo.simulation.rules import prefer_shorter

SHORT, LONG = "Yes.", "Yes, certainly, and here is a much longer answer."


def test_a_noiseless_annotator_follows_the_rule_whatever_the_display_order():
    annotator = SimulatedAnnotator(prefer_shorter)
    assert annotator.answer("pair", "q", [(0, SHORT), (1, LONG)]) == {"choice": "A", "strength": None}
    assert annotator.answer("pair", "q", [(1, LONG), (0, SHORT)]) == {"choice": "A", "strength": None}
    assert annotator.answer("pair", "q", [(0, LONG), (1, SHORT)])["choice"] == "B"
    assert annotator.answer("pair", "q", [(0, "ab"), (1, "cd")])["choice"] == "tie"
    assert annotator.answer("rank", "q", [(2, "a" * 9), (0, "a" * 5), (1, "a")]) == {"order": [1, 0, 2]}
    assert annotator.answer("thumbs", "q", [(1, LONG), (0, SHORT)]) == {"thumbs": {"1": "down", "0": "up"}}


def test_noise_flips_about_the_requested_share():
    annotator = SimulatedAnnotator(prefer_shorter, noise=0.2, rng=random.Random(1))
    answers = [annotator.answer("pair", "q", [(0, SHORT), (1, LONG)])["choice"] for _ in range(2000)]
    assert 0.17 < answers.count("B") / len(answers) < 0.23


def test_position_bias_prefers_the_first_shown():
    annotator = SimulatedAnnotator(prefer_shorter, position_bias=0.5, rng=random.Random(2))
    # The long answer is shown first: it wins only through the bias.
    answers = [annotator.answer("pair", "q", [(1, LONG), (0, SHORT)])["choice"] for _ in range(2000)]
    assert 0.45 < answers.count("B") / len(answers) < 0.55
    ranks = [annotator.answer("rank", "q", [(2, LONG), (0, SHORT), (1, SHORT + "!")])["order"][0] for _ in range(1000)]
    assert 0.45 < ranks.count(2) / len(ranks) < 0.55
