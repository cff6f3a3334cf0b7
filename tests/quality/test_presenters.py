"""What the review pages draw and word from the reads: disputed answers in response
numbers (Response 1 = position 0), the dashboard's charts as SVG."""
from feedback.quality.presenters import producer_chart, with_readable_answers


def test_disputed_answers_are_worded_by_response_number():
    disputed = [
        {"kind": "pair", "given": [("pair", {"choice": "B"}, [1, 0]), ("pair", {"choice": "B"}, [0, 1]),
                                   ("pair", {"choice": "tie"}, [0, 1])]},
        {"kind": "rank", "given": [("rank", {"order": [1, 0, 2]}, []), ("rank", {"order": [1, 0, 2]}, [])]},
        {"kind": "thumbs", "given": [("thumbs", {"thumbs": {"0": "up", "1": "down"}}, []),
                                     ("thumbs", {"thumbs": {"0": "down"}}, [])]},
    ]
    pair, rank, thumbs = (item["answers"] for item in with_readable_answers(disputed))
    assert pair[0] == "Response 2 ×2 (seen first by 1)" and len(pair) == 2
    assert rank == ["2 > 1 > 3 ×2"]
    assert thumbs == ["Response 1: 1 up · 1 down", "Response 2: 0 up · 1 down"]


def test_the_producer_chart_is_svg():
    assert producer_chart({"thumbs_by_producer": [("v1", 0.75, 4)]}).lstrip().startswith("<svg")
