"""The kept figures for a filter: the cells it takes whole are read as sums, the tasks of
the cells it cuts are recomputed from the labels it keeps (see selection). A fold comes
first, so the figures count every label committed before the read.

What is read, whatever the number of labels: the project's cells (one row per kind,
split, version and pair of days), the annotators' sums (one GROUP BY over their cells),
the most disputed tasks (an index), and the cut tasks' labels. The one figure read from
the labels themselves is each annotator's median time, as one aggregate in the database
(a median is no sum: keeping it exact for any filter would keep every time).
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

import numpy as np
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Sum, Window
from django.db.models.functions import RowNumber

from feedback.labelling.models import Project
from feedback.quality.kept.contributions import contribution, dispute_share
from feedback.quality.kept.folding import KEY_FIELDS, fold_for_page, key_of
from feedback.quality.kept.loading import labels_by_task, task_infos
from feedback.quality.kept.selection import CUT, WHOLE, Selection, week_of
from feedback.quality.kept.sums import add_into
from feedback.quality.measures import MEASURES, Agreement
from feedback.quality.metrics import alpha_from_coincidences
from feedback.quality.models import ANNOTATOR_COUNTERS, MIXED_VERSIONS, AgreementCell, AnnotatorCell, TaskFigures

Groups = dict  # group key → kind → summed figures


@dataclass
class KeptFigures:
    """Summed figures per kind: overall, by codebook version, by the week of each task's
    first label; annotators' counters."""

    overall: dict = field(default_factory=lambda: defaultdict(dict))
    by_version: Groups = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    by_week: Groups = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    annotators: dict = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(ANNOTATOR_COUNTERS, 0)))
    cut_disputes: list = field(default_factory=list)  # (majority share, labels, task id) of cut tasks
    unfolded: int = 0  # changes still waiting for the beat's fold: left out of these figures

    def labels(self) -> int:
        return sum(figures.get("labels", 0) for figures in self.overall.values())

    def totals(self, name: str) -> dict:
        """One of the figures ("thumbs", "producer_thumbs", "comparisons") summed over the kinds."""
        total = {}
        for figures in self.overall.values():
            add_into(total, figures.get(name, {}))
        return total


def kept_figures(project: Project, selection: Selection) -> KeptFigures:
    unfolded = fold_for_page(project)
    result = KeptFigures(unfolded=unfolded)
    cut = defaultdict(set)  # cell key → what it is cut for: ("overall", None), ("version", that version)
    for cell in AgreementCell.objects.filter(project=project).only(*KEY_FIELDS, "figures"):
        key = key_of(cell)
        state = selection.state(*key)
        kind, version, _, first_day, _, _ = key
        if state == WHOLE:
            add_into(result.overall[kind], cell.figures)
            add_into(result.by_week[week_of(first_day)][kind], cell.figures)  # a task counts in its first label's week
        elif state == CUT:
            cut[key].add(("overall", None))
        # By version: a task labelled under several versions counts in each through its slices.
        if version == MIXED_VERSIONS or (selection.versions and version not in selection.versions):
            continue
        by_version = selection.for_version(version).state(*key)
        if by_version == WHOLE:
            add_into(result.by_version[version][kind], cell.figures)
        elif by_version == CUT:
            cut[key].add(("version", version))
    for row in AnnotatorCell.objects.filter(selection.whole_cells(), project=project).values("annotator_id").annotate(
            **{f"sum_{name}": Sum(name) for name in ANNOTATOR_COUNTERS}):
        counters = result.annotators[row["annotator_id"]]
        for name in ANNOTATOR_COUNTERS:
            counters[name] += row[f"sum_{name}"]
    _recompute_cut(project, selection, cut, result)
    return result


def _recompute_cut(project: Project, selection: Selection, cut: dict, result: KeptFigures) -> None:
    """The cut cells' tasks, from the labels `selection` keeps: into each figure the cell
    was cut for."""
    if not cut:
        return
    task_keys = defaultdict(list)
    for days in {(key[3], key[4]) for key in cut}:
        rows = TaskFigures.objects.filter(project=project, first_day=days[0], last_day=days[1]).values_list(
            "task_id", *KEY_FIELDS)
        for task_id, *key in rows.iterator(chunk_size=5000):
            if tuple(key) in cut:
                task_keys[task_id].append(tuple(key))
    tasks, labels = task_infos(task_keys), labels_by_task(task_keys)
    for task_id, keys in task_keys.items():
        task = tasks.get(task_id)
        kept = [label for label in labels.get(task_id, []) if task and selection.takes(task, label)]
        for reason, version in {reason for key in keys for reason in cut[key]}:
            members = kept if reason == "overall" else [label for label in kept if label.version == version]
            if not members:
                continue
            figures = contribution(task, members)
            annotators = figures.pop("annotators", {})
            if reason == "version":
                add_into(result.by_version[version][task.kind], figures)
                continue
            for user, counters in annotators.items():
                totals = result.annotators[int(user)]
                for name, value in counters.items():
                    totals[name] += value
            add_into(result.overall[task.kind], figures)
            add_into(result.by_week[week_of(min(label.day for label in members))][task.kind], figures)
            share = dispute_share(task, members)
            if share is not None:
                result.cut_disputes.append((share, len(members), task_id))


def agreement_of(kind: str, figures: dict) -> Agreement:
    """Agreement from a kind's summed figures, as measures.agreement_by_kind computes it from labels."""
    units = sum(figures.get("units", {}).values())
    if not units:
        return Agreement(kind, None, None, figures.get("labels", 0), 0)
    alpha, percent = alpha_and_percent(kind, figures)
    return Agreement(kind, _rounded(alpha), _rounded(percent), figures["labels"], units)


def alpha_and_percent(kind: str, figures: dict) -> tuple[float, float]:
    """Unrounded Krippendorff's alpha (at the kind's level) and pairwise agreement."""
    matrices = {int(size): {tuple(json.loads(key)): n for key, n in cells.items()}
                for size, cells in figures.get("coincidences", {}).items()}
    categories = sorted({value for cells in matrices.values() for pair in cells for value in pair})
    index = {value: i for i, value in enumerate(categories)}
    observed = np.zeros((len(categories), len(categories)))
    agreeing = 0.0
    for size, cells in matrices.items():
        for (first, second), n in cells.items():
            observed[index[first], index[second]] += n / (size - 1.0)
            if first == second:
                agreeing += n / (size * (size - 1.0))
    units = sum(figures["units"].values())
    alpha = alpha_from_coincidences(observed, np.array(categories), MEASURES[kind].level) if categories else float("nan")
    return alpha, agreeing / units


def agreement_by_kind(groups: dict) -> dict[str, Agreement]:
    """kind → Agreement for the kinds with labels, in MEASURES' order."""
    return {kind: agreement_of(kind, groups[kind]) for kind in MEASURES if groups.get(kind, {}).get("labels")}


def _rounded(value: float) -> float | None:
    return None if value != value else round(value, 3)


class MedianMs(Aggregate):
    """Postgres' percentile_cont: the middle value, or the mean of the two middle ones."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_seconds(labels) -> dict[int, float]:
    """annotator id → median time per label in seconds over the `labels` queryset, found
    by the database: the median of the whole milliseconds, then in seconds, as the
    from-labels path computes it (dashboard._annotator_rows)."""
    if connection.vendor == "postgresql":
        return {user_id: ms / 1000 for user_id, ms in
                labels.order_by().values("annotator_id").annotate(ms=MedianMs("time_spent_ms")).values_list(
                    "annotator_id", "ms")}
    ranked = labels.annotate(
        place=Window(RowNumber(), partition_by=[F("annotator_id")], order_by=[F("time_spent_ms").asc(), F("id").asc()]),
        count=Window(Count("id"), partition_by=[F("annotator_id")]),
    ).values_list("annotator_id", "time_spent_ms", "place", "count")
    middles = defaultdict(list)
    for user_id, spent, place, count in ranked.filter(place__gte=(F("count") + 1) / 2, place__lte=(F("count") + 2) / 2):
        middles[user_id].append(spent)
    return {user_id: median(times) / 1000 for user_id, times in middles.items()}
