"""How far each annotator can be trusted: gold accuracy and agreement with the others.

Used by the dashboard (flags, tier suggestions) and by exports that weight labels by
reliability. Pure Python over one pass of the project's labels; no numpy needed here.
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from feedback.labelling.models import Label, Project, TaskKind
from feedback.labelling.turns import thumbs_of


def answer_matches(kind: str, answer: dict, expected: dict) -> bool:
    """Whether a label gives a gold item's expected answer (rank: the same top response;
    rate: every point of every response the same)."""
    if not expected:
        return False
    if kind == TaskKind.RATE:
        return _ratings_key(answer) == _ratings_key(expected)
    if kind == TaskKind.PAIR:
        return answer.get("choice") == expected.get("choice")
    if kind == TaskKind.THUMBS:
        return {str(k): v for k, v in answer.get("thumbs", {}).items()} == {
            str(k): v for k, v in expected.get("thumbs", {}).items()
        }
    if kind == TaskKind.TURNS:  # every turn's thumb as expected
        return thumbs_of(answer) == thumbs_of(expected)
    order, wanted = answer.get("order") or [None], expected.get("order") or [None]
    return order[0] == wanted[0]


def _ratings_key(answer: dict) -> str | None:
    """A rate answer's points as one comparable value (keys as strings, sorted)."""
    ratings = answer.get("ratings")
    if not isinstance(ratings, dict) or not ratings:
        return None
    return json.dumps({str(key): points for key, points in ratings.items()}, sort_keys=True)


def pair_choice(label_kind: str, answer: dict) -> str | None:
    """One value per label, for comparing a label with the others on its task (the
    majority agreement here, calibration shares): the pair choice, the top-ranked
    position, or a thumbs label as a whole. The agreement figures (alpha, pairwise
    agreement) compare the kinds' own units instead: see feedback.quality.measures."""
    if label_kind == TaskKind.PAIR:
        return answer.get("choice")
    if label_kind == TaskKind.RANK:
        order = answer.get("order") or []
        return str(order[0]) if order else None
    if label_kind == TaskKind.TURNS:  # the conversation's thumbs as a whole, as a thumbs label's
        return ",".join(f"t{index}:{thumb}" for index, thumb in sorted(thumbs_of(answer).items()))
    if label_kind == TaskKind.RATE:
        return _ratings_key(answer)  # as a whole, as a thumbs label is
    thumbs = answer.get("thumbs") or {}
    return ",".join(f"{k}:{v}" for k, v in sorted(thumbs.items()))


@dataclass
class Reliability:
    gold_total: int = 0
    gold_correct: int = 0
    compared: int = 0
    agreed: int = 0

    @property
    def gold_accuracy(self) -> float | None:
        return self.gold_correct / self.gold_total if self.gold_total else None

    @property
    def majority_agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def weight(self) -> float:
        """Laplace-smoothed share of right answers over gold and majority comparisons: a
        newcomer starts at 0.5-1.0 rather than 0, and evidence moves it."""
        return (self.gold_correct + self.agreed + 1) / (self.gold_total + self.compared + 2)


def majority_votes(votes: list[tuple[int, str | None]]):
    """(user id, agreed) for each of one task's (user id, value) votes that the
    majority of the *other* votes decides (none where they tie, or with one vote)."""
    if len(votes) < 2:
        return
    counts = Counter(value for _, value in votes)
    for user_id, value in votes:
        counts[value] -= 1
        ranked = counts.most_common(2)
        counts[value] += 1
        if ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            continue
        yield user_id, ranked[0][0] == value


def reliability_by_annotator(project: Project, labels=None) -> dict[int, Reliability]:
    """user id → Reliability. Agreement is leave-one-out: each label against the
    majority of the *other* labels on its task, skipped where they tie."""
    labels = labels if labels is not None else Label.objects.filter(task__project=project)
    rows = labels.values_list("task_id", "annotator_id", "kind", "answer", "task__is_gold", "task__gold_answer")
    by_task: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    result: dict[int, Reliability] = defaultdict(Reliability)
    for task_id, user_id, kind, answer, is_gold, gold_answer in rows.iterator(chunk_size=5000):
        stats = result[user_id]
        if is_gold and gold_answer:
            stats.gold_total += 1
            stats.gold_correct += answer_matches(kind, answer, gold_answer)
        by_task[task_id].append((user_id, pair_choice(kind, answer)))
    for votes in by_task.values():
        for user_id, agreed in majority_votes(votes):
            result[user_id].compared += 1
            result[user_id].agreed += agreed
    return dict(result)


def annotator_weights(project: Project) -> dict[int, float]:
    """user id → weight in (0, 1] for exports weighted by reliability."""
    return {user_id: stats.weight for user_id, stats in reliability_by_annotator(project).items()}
