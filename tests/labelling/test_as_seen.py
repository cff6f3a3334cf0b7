"""answer_as_seen: a stored (canonical) answer back in the numbers the annotator saw."""
import pytest

from feedback.labelling.as_seen import answer_as_seen

TEXTS = {0: "zero", 1: "one", 2: "two"}


def test_a_pick_reads_as_the_response_number_shown():
    seen = answer_as_seen("pair", {"choice": "A", "strength": 3}, [1, 0], {0: "zero", 1: "one"})
    assert seen.summary == "Response 2, much better" and seen.canonical == "Response 1 (much better)"
    assert [(r.number, r.position, r.text, r.verdict) for r in seen.responses] == [(1, 1, "one", ""), (2, 0, "zero", "Better")]
    assert seen.ranked[0].number == 2


@pytest.mark.parametrize("choice,summary", [("B", "Response 1 is better"), ("tie", "Tie"), ("both_bad", "Both bad")])
def test_each_pair_choice(choice, summary):
    assert answer_as_seen("pair", {"choice": choice, "strength": None}, [1, 0]).summary == summary


def test_a_ranking_reads_in_shown_numbers_best_first():
    seen = answer_as_seen("rank", {"order": [2, 0, 1]}, [1, 2, 0], TEXTS)
    assert seen.summary == "Response 2 > Response 3 > Response 1" and seen.canonical == "3 > 1 > 2"
    assert [(r.number, r.verdict) for r in seen.responses] == [(1, "Rank 3"), (2, "Rank 1"), (3, "Rank 2")]
    assert [r.text for r in seen.ranked] == ["two", "zero", "one"]


def test_thumbs_read_per_response_shown():
    seen = answer_as_seen("thumbs", {"thumbs": {"0": "up", "1": "down"}}, [1, 0])
    assert seen.summary == "Response 1 bad · Response 2 good" and seen.canonical == "Response 1 up · Response 2 down"


@pytest.mark.parametrize("answer,order", [({"order": "x"}, [0, 1]), ({"choice": "Z"}, [0, 1]), ("oops", None),
                                          ({"thumbs": {"0": "up"}}, ["a", "b"])])
def test_an_answer_that_does_not_fit_reads_as_its_json(answer, order):
    seen = answer_as_seen("rank" if "order" in answer else "pair", answer, order)
    assert seen.summary and all(r.verdict == "" for r in seen.responses)
