from feedback.quality.templatetags.quality import answer_text


def test_answers_read_as_people_write_them():
    assert answer_text({"choice": "B", "strength": None}) == "B"
    assert answer_text({"choice": "A", "strength": 2}) == "A (strength 2)"
    assert answer_text({"order": [2, 0, 1]}) == "2 > 0 > 1"
    assert answer_text({"thumbs": {"1": "down", "0": "up"}}) == "0:up 1:down"
    assert answer_text(None) == "—"
