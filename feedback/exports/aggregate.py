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
    """One annotator's answer, with the weight the export gives it (1.0 by default), and
    who gave it under which codebook version (for exports that read ratings per rubric)."""

    answer: dict
    weight: float = 1.0
    annotator: int | None = None
    codebook_id: int | None = None


@dataclass
class PairOutcome:
    chosen: int
    rejected: int
    agreement: float  # weighted share of votes for the winning side
    votes: int
    strength: float | None = None


@dataclass
class PairTally:
    """The weighted votes of one pair task (summed in Python, or by the database)."""

    a: float = 0.0
    b: float = 0.0
    tie: float = 0.0
    both_bad: float = 0.0
    votes: int = 0
    strength_a: float | None = None  # mean strength of the votes for A
    strength_b: float | None = None

    @classmethod
    def of(cls, votes: list[Vote]) -> "PairTally":
        tally = cls(votes=len(votes))
        strengths: dict[str, list] = {"A": [], "B": []}
        for vote in votes:
            choice = vote.answer["choice"]
            attr = {"A": "a", "B": "b", "tie": "tie", "both_bad": "both_bad"}[choice]
            setattr(tally, attr, getattr(tally, attr) + vote.weight)
            if choice in strengths and vote.answer.get("strength"):
                strengths[choice].append(vote.answer["strength"])
        tally.strength_a = sum(strengths["A"]) / len(strengths["A"]) if strengths["A"] else None
        tally.strength_b = sum(strengths["B"]) / len(strengths["B"]) if strengths["B"] else None
        return tally


def pair_plurality(a: float, b: float, tie: float, both_bad: float) -> str | None:
    """The pair task's plurality: "A", "B", "tie" or "both_bad", whichever has more
    weight than each of the others (and some weight), or None when the top is shared or
    no one voted. The one majority rule of pair tasks: the preference export applies it
    to the database's vote sums row by row, tally_majority to a PairTally; written out
    as comparisons, it costs the export nothing per row."""
    if a > 0 and a > b and a > tie and a > both_bad:
        return "A"
    if b > 0 and b > a and b > tie and b > both_bad:
        return "B"
    if tie > 0 and tie > a and tie > b and tie > both_bad:
        return "tie"
    if both_bad > 0 and both_bad > a and both_bad > b and both_bad > tie:
        return "both_bad"
    return None


def pair_agreement(winning: float, a: float, b: float, tie: float, both_bad: float) -> float:
    """The winner's share of the weight given: the weights added in A, B, tie, both-bad
    order (the same float whichever path summed them), those of no weight left out."""
    total = a if a > 0 else 0
    if b > 0:
        total += b
    if tie > 0:
        total += tie
    if both_bad > 0:
        total += both_bad
    return winning / total


def tally_majority(tally: PairTally) -> tuple[str, PairOutcome | None]:
    """The plurality of a pair task's weighted votes (pair_plurality). Returns (status,
    outcome): "pair" with the winning pair, or "tie", "both_bad" or "no_majority" with no
    outcome (excluded from preference data and counted in the export's summary)."""
    a, b, tie, both_bad = tally.a, tally.b, tally.tie, tally.both_bad
    choice = pair_plurality(a, b, tie, both_bad)
    if choice is None:
        return "no_majority", None
    if choice not in WINNING_CHOICES:
        return choice, None
    chosen, rejected = WINNING_CHOICES[choice]
    return "pair", PairOutcome(
        chosen=chosen,
        rejected=rejected,
        agreement=pair_agreement(a if choice == "A" else b, a, b, tie, both_bad),
        votes=tally.votes,
        strength=tally.strength_a if choice == "A" else tally.strength_b,
    )


def decided_majority(tally: PairTally, adjudicated: dict | None) -> tuple[str, PairOutcome | None]:
    """tally_majority, where a reviewer's adjudicated answer wins over the votes."""
    return tally_majority(PairTally.of([Vote(adjudicated)]) if adjudicated else tally)


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
