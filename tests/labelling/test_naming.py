"""naming: stored answers read with responses numbered in the task's own order, from 1."""
from feedback.labelling.naming import canonical_text, rank_numbers


def test_answers_read_with_response_numbers_counted_from_one():
    assert canonical_text({"choice": "B", "strength": None}) == "Response 2"
    assert canonical_text({"choice": "A", "strength": 2}) == "Response 1 (clearly better)"
    assert canonical_text({"choice": "both_bad", "strength": None}) == "Both bad"
    assert canonical_text({"order": [2, 0, 1]}) == "3 > 1 > 2" == rank_numbers([2, 0, 1])
    assert canonical_text({"thumbs": {"10": "up", "1": "down", "0": "up"}}) == "Response 1 up · Response 2 down · Response 11 up"
    assert canonical_text(None) == "—"


def test_an_answer_that_does_not_fit_its_kind_reads_as_its_json():
    assert canonical_text({"order": ["x", 1]}) == '{"order": ["x", 1]}'
    assert canonical_text({"thumbs": {"a": "up"}}) == '{"thumbs": {"a": "up"}}'
