import pytest

from feedback.loop.simulation.rules import prefer_plain_text, prefer_shorter, rule_load


def test_shipped_rules_score_what_they_say():
    assert prefer_shorter("q", "Paris.") > prefer_shorter("q", "The capital of France is Paris.")
    bulleted = "Options:\n- **tea**\n- coffee"
    plain = "You could drink tea, which is calming and warm, or coffee, which wakes you up in the morning."
    assert prefer_plain_text("q", plain) > prefer_plain_text("q", bulleted)
    assert len(plain) > len(bulleted)  # not a length rule in disguise
    assert prefer_plain_text("q", "## Title\n1. one\n`code`") == -4  # heading, list item, two ticks


def test_rules_load_by_short_name_or_dotted_path():
    assert rule_load("shorter") is prefer_shorter
    assert rule_load("feedback.loop.simulation.rules.prefer_plain_text") is prefer_plain_text
    for bad in ("nonsense", "feedback.nowhere.rule", "feedback.loop.simulation.rules.SHIPPED_X"):
        with pytest.raises(ValueError):
            rule_load(bad)
