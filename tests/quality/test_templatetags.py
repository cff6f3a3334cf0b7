from feedback.quality.templatetags.quality import answer_text


def test_answers_read_with_response_numbers_counted_from_one():
    assert answer_text({"choice": "B", "strength": None}) == "Response 2"
    assert answer_text({"choice": "A", "strength": 2}) == "Response 1 (clearly better)"
    assert answer_text({"choice": "both_bad", "strength": None}) == "Both bad"
    assert answer_text({"order": [2, 0, 1]}) == "3 > 1 > 2"
    assert answer_text({"thumbs": {"10": "up", "1": "down", "0": "up"}}) == "Response 1 up · Response 2 down · Response 11 up"
    assert answer_text(None) == "—"


def test_display_orders_read_as_response_numbers():
    from feedback.quality.templatetags.quality import response_numbers

    assert response_numbers([1, 0, 2]) == "2, 1, 3" and response_numbers([]) == "—"
