"""One task's contribution to the kept figures, from its labels (no database here).

What is summed, per task, so that any set of whole tasks gives the dashboard's figures:
- "labels": the labels;
- "units" {m: n}: units (a pair task; a ranked or thumbed response) with m ≥ 2 values;
- "coincidences" {m: {[c, k]: n}}: Σ over those units of n_c·n_k − [c = k]·n_c, the
  integer numerator of Krippendorff's coincidence matrix (each unit divides it by m − 1):
  alpha at any level and pairwise agreement follow exactly (metrics.alpha_from_coincidences);
- "thumbs", "producer_thumbs": thumbs up and given, overall and per producer;
- "comparisons" {[first, second, score]: n}: the leaderboard's comparisons between producers;
- "annotators" {user id: counters}: each annotator's counters (models.ANNOTATOR_COUNTERS),
  kept per task and summed in AnnotatorCell, not in the cell's figures.
The definitions are those of the from-labels path (measures.unit_values, reliability,
comparisons, disputes), called here, not restated.
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from feedback.labelling.models import TaskKind
from feedback.quality.comparisons import label_comparisons
from feedback.quality.disputes import majority_share
from feedback.quality.measures import unit_values
from feedback.quality.models import MIXED_VERSIONS
from feedback.quality.reliability import answer_matches, majority_votes, pair_choice


@dataclass(frozen=True)
class TaskInfo:
    id: int
    project_id: int
    kind: str
    split: str
    is_gold: bool
    gold_answer: dict | None
    producers: dict = field(default_factory=dict)  # position → producer key


@dataclass(frozen=True)
class LabelRow:
    annotator_id: int
    answer: dict
    display_order: list
    time_spent_ms: int
    created_at: datetime
    version: int

    @property
    def day(self) -> date:
        return self.created_at.date()  # UTC: the database hands out UTC datetimes, as the by-week figures read them


def cell_key(task: TaskInfo, labels: list[LabelRow], *, version_slice: bool = False) -> tuple:
    """(kind, version, split, first_day, last_day, version_slice): the cell the task's
    figures over `labels` go to."""
    versions = {label.version for label in labels}
    days = [label.day for label in labels]
    return (task.kind, versions.pop() if len(versions) == 1 else MIXED_VERSIONS, task.split, min(days), max(days),
            version_slice)


def version_slices(labels: list[LabelRow]) -> dict[int, list[LabelRow]]:
    """A task's labels by codebook version, when they span several (else nothing): each
    is summed on its own as well (models.CellKey)."""
    by_version = {}
    for label in labels:
        by_version.setdefault(label.version, []).append(label)
    return by_version if len(by_version) > 1 else {}


def coincidence_key(first, second) -> str:
    return json.dumps([first, second])


def comparison_key(first: str, second: str, score: float) -> str:
    return json.dumps([first, second, score])


def contribution(task: TaskInfo, labels: list[LabelRow]) -> dict:
    """The task's contribution over `labels` (all of its labels, or those a filter keeps)."""
    figures = {"labels": len(labels), "units": {}, "coincidences": {}, "thumbs": {}, "producer_thumbs": {},
               "comparisons": {}, "annotators": {}}
    annotators = defaultdict(Counter)
    units = defaultdict(Counter)
    label_units = []
    for label in labels:
        pairs = unit_values(task.id, task.kind, label.answer)
        label_units.append(pairs)
        for unit, value in pairs:
            units[unit][value] += 1
        _label_counters(task, label, annotators[label.annotator_id], figures)
    _agreement(units, figures)
    for label, pairs in zip(labels, label_units):
        counters = annotators[label.annotator_id]
        for unit, value in pairs:
            counters["others_agreeing"] += units[unit][value] - 1
            counters["others_pairs"] += sum(units[unit].values()) - 1
    _majority(task.kind, labels, annotators)
    figures["annotators"] = {str(user): {k: v for k, v in counters.items() if v} for user, counters in annotators.items()}
    return _without_empty(figures)


def dispute_share(task: TaskInfo, labels: list[LabelRow]) -> float | None:
    return majority_share(task.kind, [label.answer for label in labels])


def _label_counters(task: TaskInfo, label: LabelRow, counters: Counter, figures: dict) -> None:
    counters["labels"] += 1
    answer = label.answer
    if task.kind == TaskKind.THUMBS:
        thumbs = (answer.get("thumbs") or {})
        up = sum(thumb == "up" for thumb in thumbs.values())
        counters["thumbs_up"] += up
        counters["thumbs_given"] += len(thumbs)
        _count(figures["thumbs"], up, len(thumbs))
        for position, thumb in thumbs.items():
            producer = task.producers.get(int(position))
            if producer:
                _count(figures["producer_thumbs"].setdefault(producer, {}), thumb == "up", 1)
    else:
        for first, second, score in label_comparisons(task.kind, answer, task.producers):
            key = comparison_key(first, second, score)
            figures["comparisons"][key] = figures["comparisons"].get(key, 0) + 1
    if task.kind == TaskKind.PAIR and answer.get("choice") in ("A", "B") and label.display_order:
        counters["first_shown_wins"] += answer["choice"] == "AB"[label.display_order[0]]
        counters["first_shown_pairs"] += 1
    if task.is_gold and task.gold_answer:
        counters["gold_total"] += 1
        counters["gold_correct"] += answer_matches(task.kind, answer, task.gold_answer)


def _count(counts: dict, up: int, given: int) -> None:
    counts["up"] = counts.get("up", 0) + int(up)
    counts["given"] = counts.get("given", 0) + given


def _agreement(units: dict, figures: dict) -> None:
    for counts in units.values():
        m = sum(counts.values())
        if m < 2:
            continue
        size = str(m)
        figures["units"][size] = figures["units"].get(size, 0) + 1
        cell = figures["coincidences"].setdefault(size, {})
        for first, n_first in counts.items():
            for second, n_second in counts.items():
                value = n_first * n_second - (n_first if first == second else 0)
                if value:
                    key = coincidence_key(first, second)
                    cell[key] = cell.get(key, 0) + value


def _majority(kind: str, labels: list[LabelRow], annotators: dict) -> None:
    votes = [(label.annotator_id, pair_choice(kind, label.answer)) for label in labels]
    for user_id, agreed in majority_votes(votes):
        annotators[user_id]["majority_compared"] += 1
        annotators[user_id]["majority_agreed"] += agreed


def _without_empty(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if value not in ({}, 0)}
