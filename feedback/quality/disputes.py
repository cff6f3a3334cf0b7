"""When a task is disputed, and how split it is: the one definition, read by the disputed
list computed from labels (selectors.disputed_tasks) and by the kept figures."""
from collections import Counter, defaultdict

from feedback.labelling.models import TaskKind
from feedback.labelling.turns import thumbs_of

DISPUTABLE = (TaskKind.PAIR, TaskKind.RANK, TaskKind.THUMBS, TaskKind.RATE, TaskKind.TURNS)


def contested(kind: str, answer: dict) -> list[tuple]:
    """What annotators must agree on for a task not to be disputed: a pair's choice, the
    response ranked first, each response's thumb, each response's point on each aspect
    (so a rate task's share is that of its most split point), each assistant turn's thumb."""
    if kind == TaskKind.TURNS:
        return [(f"turn {index}", thumb) for index, thumb in sorted(thumbs_of(answer).items())]
    if kind == TaskKind.RATE:
        return sorted((f"{key}:{aspect}", point) for key, points in (answer.get("ratings") or {}).items()
                      for aspect, point in points.items())
    if kind == TaskKind.PAIR:
        return [("choice", answer.get("choice"))]
    if kind == TaskKind.RANK:
        return [("first", (answer.get("order") or [None])[0])]
    return sorted((position, thumb) for position, thumb in (answer.get("thumbs") or {}).items())


def majority_share(kind: str, answers: list[dict]) -> float | None:
    """The share of the most common answer on the most split point (rounded to 3
    places), when at least two labels disagree on something; None otherwise."""
    if kind not in DISPUTABLE or len(answers) < 2:
        return None
    votes = defaultdict(Counter)
    for answer in answers:
        for key, value in contested(kind, answer):
            votes[key][value] += 1
    if all(len(counts) < 2 for counts in votes.values()):
        return None
    return round(min(counts.most_common(1)[0][1] / sum(counts.values()) for counts in votes.values()), 3)
