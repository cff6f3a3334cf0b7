"""The one majority rule of pair tasks: pair_plurality and pair_agreement (what the
preference export applies to the database's sums row by row) against the rule as
written in words: the choice with strictly the most weight wins; its share is its
weight over all the weight given."""
from itertools import product

from feedback.exports.aggregate import PairTally, Vote, decided_majority, pair_agreement, pair_plurality, tally_majority

CHOICES = ("A", "B", "tie", "both_bad")


def plurality_in_words(weights: dict):
    given = {choice: w for choice, w in weights.items() if w > 0}
    if not given:
        return None
    top = max(given.values())
    winners = [choice for choice, w in given.items() if w == top]
    return winners[0] if len(winners) == 1 else None


def test_the_plurality_is_the_one_choice_with_the_most_weight():
    for values in product([0, 1, 2, 0.5, 1.25], repeat=4):
        weights = dict(zip(CHOICES, values))
        assert pair_plurality(*values) == plurality_in_words(weights), values


def test_agreement_is_the_winners_share_summed_as_sum_would():
    for values in product([0, 1, 0.1, 0.7, 2.3], repeat=4):
        choice = pair_plurality(*values)
        if choice is not None:
            winning = values[CHOICES.index(choice)]
            assert pair_agreement(winning, *values) == winning / sum(v for v in values if v > 0)


def test_tally_majority_applies_the_same_rule():
    assert tally_majority(PairTally(a=2, b=1, votes=3, strength_a=2.0)) == tally_majority(PairTally.of(
        [Vote({"choice": "A", "strength": 2}), Vote({"choice": "A", "strength": 2}), Vote({"choice": "B"})]))
    status, outcome = tally_majority(PairTally(a=2, b=1, votes=3))
    assert status == "pair" and (outcome.chosen, outcome.rejected, outcome.agreement) == (0, 1, 2 / 3)
    assert tally_majority(PairTally(a=1, b=1, votes=2)) == ("no_majority", None)
    assert tally_majority(PairTally(tie=2, a=1, votes=3)) == ("tie", None)
    assert tally_majority(PairTally()) == ("no_majority", None)


def test_an_adjudicated_answer_wins_over_the_votes():
    status, outcome = decided_majority(PairTally(a=3, votes=3), {"choice": "B"})
    assert status == "pair" and (outcome.chosen, outcome.agreement) == (1, 1.0)
    assert decided_majority(PairTally(a=3, votes=3), {"choice": "both_bad"}) == ("both_bad", None)
