"""Per-turn tasks in the review figures: disputed when any turn's thumbs differ, gold
matched turn by turn, and read in the queue turn by turn."""
from feedback.quality.disputes import majority_share
from feedback.quality.presenters import with_readable_answers
from feedback.quality.reliability import answer_matches, pair_choice


def turns(*thumbs):
    return {"turns": {str(2 * i + 1): {"thumb": thumb} for i, thumb in enumerate(thumbs)}}


def test_a_turns_task_is_disputed_by_its_most_split_turn():
    assert majority_share("turns", [turns("up", "up"), turns("up", "up")]) is None
    assert majority_share("turns", [turns("up", "up"), turns("up", "down"), turns("up", "down")]) == 0.667


def test_gold_is_matched_on_every_turn_and_the_majority_on_the_whole_conversation():
    assert answer_matches("turns", turns("up", "down"), turns("up", "down"))
    assert not answer_matches("turns", turns("up", "up"), turns("up", "down"))
    assert pair_choice("turns", turns("up", "down")) == "t1:up,t3:down"


def test_the_queue_reads_each_turns_thumbs():
    item = {"kind": "turns", "given": [(1, turns("up", "down"), [0]), (2, turns("down", "down"), [0])]}
    assert with_readable_answers([item])[0]["answers"] == ["Turn 2: 1 up · 1 down", "Turn 4: 0 up · 2 down"]
