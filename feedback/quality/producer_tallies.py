"""What the leaderboard counts, per producer: the comparisons between two different
producers that labels give (a pair's choice, the pairs a ranking implies) and the thumbs
each producer's responses got.

`label_comparisons` is the one definition, per label; the project's tallies are its sums.
"""
from collections import Counter
from itertools import combinations

from feedback.labelling.models import Label, Project, TaskKind
from feedback.quality.producers import ThumbsByProducer, producers_by_task

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


def producer_comparisons(project: Project) -> Counter:
    """(first producer, second producer, score) → how many comparisons, over the project's labels."""
    return _tallies(project)[0]


def producer_thumbs(project: Project) -> dict[str, tuple[int, int]]:
    """producer → (thumbs up, thumbs given), over the project's thumbs labels."""
    return {key: (up, given) for key, (up, given) in _tallies(project)[1].items()}


def _tallies(project: Project) -> tuple[Counter, ThumbsByProducer]:
    producers = producers_by_task(project)
    comparisons, thumbs = Counter(), ThumbsByProducer()
    labels = Label.objects.filter(task__project=project).values_list("task_id", "kind", "answer")
    for task_id, kind, answer in labels.iterator(chunk_size=5000):
        by_position = producers.get(task_id, {})
        if kind == TaskKind.THUMBS:
            thumbs.add(answer, by_position)
        else:
            comparisons.update(label_comparisons(kind, answer, by_position))
    return comparisons, thumbs
