"""Comparisons between producers (base model, adapter versions, imported models) read
from a project's labels, for the leaderboard."""
from dataclasses import dataclass, field
from itertools import combinations

from feedback.labelling.models import Label, Project, TaskKind
from feedback.loop.leaderboard import bradley_terry
from feedback.quality.producers import BASE, ThumbsByProducer, producers_by_task


@dataclass
class Comparisons:
    first: list = field(default_factory=list)
    second: list = field(default_factory=list)
    score: list = field(default_factory=list)
    thumbs: ThumbsByProducer = field(default_factory=ThumbsByProducer)

    def add(self, a: str, b: str, score: float):
        self.first.append(a), self.second.append(b), self.score.append(score)


def comparisons_for(project: Project) -> Comparisons:
    """Pair labels between different producers (ties count half; both-bad is skipped),
    the pairs rankings imply, and thumbs per producer."""
    producers = producers_by_task(project)
    found = Comparisons()
    labels = Label.objects.filter(task__project=project).values_list("task_id", "kind", "answer")
    for task_id, kind, answer in labels.iterator(chunk_size=5000):
        by_position = producers.get(task_id, {})
        if kind == TaskKind.PAIR:
            a, b, choice = by_position.get(0), by_position.get(1), answer.get("choice")
            if a and b and a != b and choice in ("A", "B", "tie"):
                found.add(a, b, {"A": 1.0, "B": 0.0, "tie": 0.5}[choice])
        elif kind == TaskKind.RANK:
            order = answer.get("order") or []
            for better, worse in combinations(order, 2):  # earlier in the order is better
                a, b = by_position.get(better), by_position.get(worse)
                if a and b and a != b:
                    found.add(a, b, 1.0)
        else:
            found.thumbs.add(answer, by_position)
    return found


def leaderboard(project: Project, *, bootstrap: int = 200) -> list[dict]:
    """One row per producer seen in comparisons or thumbs, best rating first."""
    found = comparisons_for(project)
    names = sorted(set(found.first) | set(found.second) | set(found.thumbs))
    index = {name: i for i, name in enumerate(names)}
    rows = {name: {"version": name, "comparisons": 0, "wins": 0, "losses": 0, "ties": 0, "rating": None,
                   "ci_low": None, "ci_high": None, "win_rate": None, "thumbs_up_share": None, "thumbs": 0}
            for name in names}
    for a, b, score in zip(found.first, found.second, found.score):
        for me, my_score in ((a, score), (b, 1.0 - score)):
            row = rows[me]
            row["comparisons"] += 1
            row["wins" if my_score == 1 else "losses" if my_score == 0 else "ties"] += 1
    if found.first:
        fit = bradley_terry([index[a] for a in found.first], [index[b] for b in found.second], found.score, len(names),
                            anchor=index.get(BASE), bootstrap=bootstrap)
        for name, i in index.items():
            if rows[name]["comparisons"]:
                rows[name].update(rating=round(float(fit["rating"][i]), 1), ci_low=round(float(fit["ci_low"][i]), 1),
                                  ci_high=round(float(fit["ci_high"][i]), 1))
    for row in rows.values():
        if row["comparisons"]:
            row["win_rate"] = round((row["wins"] + 0.5 * row["ties"]) / row["comparisons"], 4)
        up, total = found.thumbs.get(row["version"], (0, 0))
        if total:
            row["thumbs_up_share"], row["thumbs"] = round(up / total, 4), total
    return sorted(rows.values(), key=lambda r: (r["rating"] is None, -(r["rating"] or 0), r["version"]))
