"""The labelling form's converters: a stored answer turned into the form's fields
(post_from_answer) reads back as the same answer (answer_from_post), for every kind."""
import pytest

from feedback.labelling.forms import answer_from_post, post_from_answer, shown_responses


@pytest.mark.parametrize("kind, count, answer", [
    ("pair", 2, {"choice": "B", "strength": 3}),
    ("pair", 2, {"choice": "tie", "strength": None}),
    ("thumbs", 3, {"thumbs": {"0": "down", "1": "up", "2": "down"}}),
    ("rank", 4, {"order": [2, 0, 3, 1]}),
])
def test_a_stored_answer_fills_the_fields_that_read_back_as_it(kind, count, answer):
    from feedback.labelling.services.labels import validate_answer

    fields = post_from_answer(kind, answer)
    assert validate_answer(kind=kind, n_candidates=count, answer=answer_from_post(kind, count, fields)) == answer


def test_rank_fields_give_each_position_its_rank():
    assert post_from_answer("rank", {"order": [2, 0, 1]}) == {"rank_2": "1", "rank_0": "2", "rank_1": "3"}
    assert post_from_answer("rank", None) == {} and post_from_answer("pair", "junk") == {}


def test_shown_responses_are_numbered_as_shown_with_what_was_given_each():
    candidates = [{"position": 2, "letter": None, "text": "c"}, {"position": 0, "letter": None, "text": "a"}]
    shown = shown_responses("rank", candidates, {"rank_0": "1", "rank_2": "2"})
    assert [(item["number"], item["position"], item["posted"]) for item in shown] == [(1, 2, "2"), (2, 0, "1")]
    assert [item["posted"] for item in shown_responses("pair", candidates, {"choice": "A"})] == ["", ""]
