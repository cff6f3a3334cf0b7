import pytest

from feedback.demo.simulation.rules import prefer_shorter, prefer_simple_words, rule_load


def test_shipped_rules_score_what_they_say():
    assert prefer_shorter("q", "Paris.") > prefer_shorter("q", "The capital of France is Paris.")
    jargon = "Photosynthesis: chlorophyll-mediated carbohydrate biosynthesis."
    simple = "Plants use the light of the sun to make their own food from air and water, and that is why they grow."
    assert prefer_simple_words("q", simple) > prefer_simple_words("q", jargon)
    assert len(simple) > len(jargon)  # not a length rule in disguise
    # 2 of 5 words have 7+ letters; "don't" is one word; numbers are not words.
    assert prefer_simple_words("q", "Plants don't breathe 42 carbohydrates, see?") == pytest.approx(-2 / 5)
    assert prefer_simple_words("q", "  ") < prefer_simple_words("q", "Extraordinarily complicated.")


def test_rules_load_by_short_name_or_dotted_path():
    assert rule_load("shorter") is prefer_shorter
    assert rule_load("simple") is prefer_simple_words
    assert rule_load("feedback.demo.simulation.rules.prefer_simple_words") is prefer_simple_words
    for bad in ("nonsense", "feedback.nowhere.rule", "feedback.demo.simulation.rules.SHIPPED_X"):
        with pytest.raises(ValueError):
            rule_load(bad)
