"""The comparisons between producers one label gives, for the leaderboard: the one
definition, summed by the kept figures (feedback.quality.kept.contributions)."""
from itertools import combinations

from feedback.labelling.models import TaskKind

PAIR_SCORE = {"A": 1.0, "B": 0.0, "tie": 0.5}


def label_comparisons(kind: str, answer: dict, producers: dict[int, str]) -> list[tuple[str, str, float]]:
    """(first producer, second producer, the first's score: 1 win, 0.5 tie, 0 loss) for
    each comparison one label gives between two different known producers; `producers`:
    its task's position → producer key. Both-bad pairs say nothing about which is better."""
    if kind == TaskKind.PAIR:
        a, b, choice = producers.get(0), producers.get(1), answer.get("choice")
        return [(a, b, PAIR_SCORE[choice])] if a and b and a != b and choice in PAIR_SCORE else []
    if kind == TaskKind.RANK:
        found = []
        for better, worse in combinations(answer.get("order") or [], 2):  # earlier in the order is better
            a, b = producers.get(better), producers.get(worse)
            if a and b and a != b:
                found.append((a, b, 1.0))
        return found
    return []
