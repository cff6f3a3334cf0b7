"""Turning several annotators' raw answers to one task into training rows. Pure Python,
no Django: the export streams labels grouped by task through these functions.

All answers are in canonical candidate positions (see feedback.labelling.models.Label).
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

WINNING_CHOICES = {"A": (0, 1), "B": (1, 0)}  # choice → (chosen position, rejected position)


@dataclass(frozen=True)
class Vote:
    """One annotator's answer, with the weight the export gives it (1.0 by default)."""

    answer: dict
    weight: float = 1.0


@dataclass
class PairOutcome:
    chosen: int
    rejected: int
    agreement: float  # weighted share of votes for the winning side
    votes: int
    strength: float | None = None


def _plurality(weights: dict) -> tuple[object, float, float] | None:
    """(winner, its weight, total weight), or None when the top is shared."""
    if not weights:
        return None
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    total = sum(weights.values())
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0], ranked[0][1], total


def pair_majority(votes: list[Vote]) -> tuple[str, PairOutcome | None]:
    """The majority of pair choices. Returns (status, outcome): status is "pair" with the
    winning pair, or "tie", "both_bad" or "no_majority" with no outcome (excluded from
    preference data and counted in the export's summary)."""
    weights: dict[str, float] = defaultdict(float)
    for vote in votes:
        weights[vote.answer["choice"]] += vote.weight
    top = _plurality(weights)
    if top is None:
        return "no_majority", None
    choice, winning, total = top
    if choice not in WINNING_CHOICES:
        return choice, None
    chosen, rejected = WINNING_CHOICES[choice]
    strengths = [v.answer.get("strength") for v in votes if v.answer["choice"] == choice and v.answer.get("strength")]
    return "pair", PairOutcome(
        chosen=chosen,
        rejected=rejected,
        agreement=winning / total,
        votes=len(votes),
        strength=sum(strengths) / len(strengths) if strengths else None,
    )


def rank_pairs(votes: list[Vote]) -> tuple[list[PairOutcome], int]:
    """Rankings → the pairs they imply, aggregated across annotators. Each unordered pair of
    candidates gives one row when the annotators' weighted majority prefers one side;
    returns (pairs, number of candidate pairs with no majority)."""
    wins: dict[tuple[int, int], float] = defaultdict(float)
    counts: Counter = Counter()
    for vote in votes:
        order = vote.answer["order"]
        rank_of = {pos: i for i, pos in enumerate(order)}
        for a, b in combinations(sorted(rank_of), 2):
            better, worse = (a, b) if rank_of[a] < rank_of[b] else (b, a)
            wins[(better, worse)] += vote.weight
            counts[(a, b)] += 1
    pairs, undecided = [], 0
    for a, b in sorted(counts):
        for_a, for_b = wins[(a, b)], wins[(b, a)]
        if for_a == for_b:
            undecided += 1
            continue
        chosen, rejected = (a, b) if for_a > for_b else (b, a)
        pairs.append(
            PairOutcome(chosen=chosen, rejected=rejected, agreement=max(for_a, for_b) / (for_a + for_b), votes=counts[(a, b)])
        )
    return pairs, undecided


def thumbs_majority(votes: list[Vote], n_candidates: int) -> list[tuple[int, bool, float]]:
    """Per candidate position: (position, thumbs up?, agreement), for candidates whose
    up/down votes are not evenly split."""
    outcomes = []
    for position in range(n_candidates):
        up = sum(v.weight for v in votes if v.answer["thumbs"].get(str(position)) == "up")
        down = sum(v.weight for v in votes if v.answer["thumbs"].get(str(position)) == "down")
        if up == down:
            continue
        outcomes.append((position, up > down, max(up, down) / (up + down)))
    return outcomes
