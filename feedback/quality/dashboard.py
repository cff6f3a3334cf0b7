"""The reviewer dashboard's numbers: dashboard() reads them from the kept figures
(dashboard_kept) where it can; dashboard_from_labels computes them from one pass over the
filtered labels, for the filters the kept figures cannot take and as their reference.

Agreement is per task kind, each with its own unit and level of measurement (see
feedback.quality.measures): over all the labels, by codebook version, by week and on
calibration sets. Annotator flags follow the project's QualitySettings bounds; annotators
with too few labels are shown but never flagged.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Label, Membership, Project
from feedback.quality.annotator_rows import AnnotatorRow, by_flags, flag_row, share_of
from feedback.quality.kept.selection import week_of
from feedback.quality.measures import agreement_by_kind, unit_values
from feedback.quality.metrics import agreement_with_others
from feedback.quality.models import QualitySettings
from feedback.quality.producers import ThumbsByProducer, producers_by_task
from feedback.quality.reliability import reliability_by_annotator
from feedback.quality.selectors import disputed_tasks

def others_agreement(rows) -> dict:
    """user id → (share of agreeing pairs with the others on the same units, pairs);
    `rows`: (task_id, kind, answer, user_id) tuples. The units are the kinds' own (a
    pair task's choice, a ranked response's place, a response's thumb)."""
    units, who, values = [], [], []
    for task_id, kind, answer, user_id in rows:
        for unit, value in unit_values(task_id, kind, answer):
            # str: rank places are numbers, the other kinds' values words
            units.append(unit), who.append(user_id), values.append(str(value))
    return agreement_with_others(units, who, values) if units else {}


def _nan_none(value):
    return None if value != value else round(value, 3)


def _by_kind_table(groups: dict, kinds: list) -> list[tuple]:
    """(group key, [Agreement or None for each of `kinds`]) rows for a table with one
    column per kind."""
    return [(key, [figures.get(kind) for kind in kinds]) for key, figures in groups.items()]


def _week(moment):
    return week_of(moment.date())


# The columns read from each label, once: everything below works on these tuples.
COLUMNS = ("task_id", "kind", "answer", "annotator_id", "annotator__username", "display_order", "time_spent_ms",
           "created_at", "codebook__version", "task__calibration_for__version")


@dataclass
class UserTally:
    times_ms: list = field(default_factory=list)
    thumbs: list = field(default_factory=lambda: [0, 0])  # [up, given]
    first_shown: list = field(default_factory=lambda: [0, 0])  # [pairs won by the response shown first, pairs]


@dataclass
class Tallies:
    """What one pass over the label rows counts."""

    by_version: dict = field(default_factory=lambda: defaultdict(list))  # version → (task_id, kind, answer)
    by_week: dict = field(default_factory=lambda: defaultdict(list))  # the week of the task's first label → items
    calibration: dict = field(default_factory=lambda: defaultdict(list))  # calibration set's version → items
    per_user: dict = field(default_factory=lambda: defaultdict(UserTally))
    project_thumbs: list = field(default_factory=lambda: [0, 0])
    thumbs_by_producer: ThumbsByProducer = field(default_factory=ThumbsByProducer)

    @property
    def project_thumbs_share(self) -> float | None:
        up, given = self.project_thumbs
        return up / given if given else None


def _tally(rows, producers: dict[int, dict[int, str]]) -> Tallies:
    tallies = Tallies()
    by_task, first_labelled = defaultdict(list), {}
    for task_id, kind, answer, user_id, _, shown, spent, created, version, calibration_for in rows:
        item = (task_id, kind, answer)
        tallies.by_version[version].append(item)
        by_task[task_id].append(item)
        first_labelled[task_id] = min(created, first_labelled.get(task_id, created))
        if calibration_for:
            tallies.calibration[calibration_for].append(item)
        stats = tallies.per_user[user_id]
        stats.times_ms.append(spent)
        if kind == "thumbs":
            thumbs = (answer.get("thumbs") or {}).values()
            up = sum(thumb == "up" for thumb in thumbs)
            for counts in (stats.thumbs, tallies.project_thumbs):
                counts[0] += up
                counts[1] += len(thumbs)
            tallies.thumbs_by_producer.add(answer, producers.get(task_id, {}))
        elif kind == "pair" and answer.get("choice") in ("A", "B") and shown:
            stats.first_shown[0] += answer["choice"] == "AB"[shown[0]]
            stats.first_shown[1] += 1
    for task_id, items in by_task.items():  # a task's labels stay together, in the week of its first
        tallies.by_week[_week(first_labelled[task_id])].extend(items)
    return tallies


def _annotator_rows(project: Project, labels, rows, tallies: Tallies, bounds: QualitySettings) -> list[AnnotatorRow]:
    """One row per annotator in `rows`, flagged by `bounds`, the most flagged first."""
    reliability = reliability_by_annotator(project, labels)
    with_others = others_agreement([(t, k, a, u) for t, k, a, u, *_ in rows])
    members = dict(Membership.objects.filter(project=project).values_list("user_id", "tier"))
    names = {user_id: name for _, _, _, user_id, name, *_ in rows}
    annotators = []
    for user_id, stats in tallies.per_user.items():
        row = AnnotatorRow(user_id=user_id, username=names[user_id], tier=members.get(user_id, ""),
                           labels=len(stats.times_ms), median_seconds=round(median(stats.times_ms) / 1000, 1),
                           thumbs_up_share=share_of(stats.thumbs), first_shown_wins=share_of(stats.first_shown))
        rel = reliability.get(user_id)
        if rel:
            row.majority_agreement = _nan_none(rel.majority_agreement if rel.majority_agreement is not None else float("nan"))
            row.gold_accuracy = _nan_none(rel.gold_accuracy if rel.gold_accuracy is not None else float("nan"))
            row.gold_total = rel.gold_total
        if user_id in with_others:
            row.others_agreement, row.others_pairs = round(with_others[user_id][0], 3), with_others[user_id][1]
        flag_row(row, bounds, tallies.project_thumbs_share)
        annotators.append(row)
    return by_flags(annotators)


def _agreement(rows, tallies: Tallies, active: int | None) -> dict:
    """Agreement per task kind: overall, by codebook version, by week, on calibration sets."""
    return agreement_tables(
        by_kind=agreement_by_kind([(t, k, a) for t, k, a, *_ in rows]),
        by_version={version: agreement_by_kind(items) for version, items in sorted(tallies.by_version.items())},
        by_week=[(week, agreement_by_kind(items)) for week, items in sorted(tallies.by_week.items())],
        calibration={version: agreement_by_kind(items) for version, items in sorted(tallies.calibration.items())},
        active_version=active)


def agreement_tables(*, by_kind: dict, by_version: dict, by_week: list, calibration: dict,
                     active_version: int | None) -> dict:
    """The dashboard's agreement entries from the per-kind figures of each group."""
    kinds = list(by_kind)
    return {
        "by_kind": by_kind,
        "kinds": kinds,
        "by_version": by_version,
        "by_version_table": _by_kind_table(by_version, kinds),
        "by_week": by_week,
        "calibration": calibration.get(active_version),
        "calibration_by_version": calibration,
        "calibration_table": _by_kind_table(calibration, kinds),
        "active_version": active_version,
    }


def selected_labels(project: Project, filters: LabelFilters, kinds=()):
    """The project's labels that `filters` and `kinds` (empty: every kind) keep."""
    labels = filters.apply(Label.objects.filter(task__project=project))
    return labels.filter(kind__in=kinds) if kinds else labels


def quality_bounds(project: Project) -> QualitySettings:
    return QualitySettings.objects.filter(project=project).first() or QualitySettings(project=project)


def active_version(project: Project) -> int | None:
    return project.codebooks.filter(is_active=True).values_list("version", flat=True).first()


def dashboard(project: Project, filters: LabelFilters, kinds=()) -> dict:
    """The dashboard's figures over the labels `filters` (codebook versions, dates, tiers,
    split) and `kinds` keep: kept figures (feedback.quality.kept) where the filter is one
    of theirs, else computed from the labels: annotator tiers are the annotators' tiers
    now, not a property of a label, and a pinned label id is an export's filter."""
    if filters.tiers or filters.max_label_id is not None:
        return dashboard_from_labels(project, filters, kinds)
    from feedback.quality.dashboard_kept import dashboard_kept  # it builds on this module's pieces

    return dashboard_kept(project, filters, kinds)


def dashboard_from_labels(project: Project, filters: LabelFilters, kinds=()) -> dict:
    """The same figures from one pass over the selected labels: the definition the kept
    figures are checked against."""
    bounds = quality_bounds(project)
    labels = selected_labels(project, filters, kinds)
    rows = list(labels.values_list(*COLUMNS))
    tallies = _tally(rows, producers_by_task(project))
    project_share = tallies.project_thumbs_share
    return {
        "labels": len(rows),
        **_agreement(rows, tallies, active_version(project)),
        "annotators": _annotator_rows(project, labels, rows, tallies, bounds),
        "project_thumbs_up": None if project_share is None else round(project_share, 3),
        "thumbs_by_producer": tallies.thumbs_by_producer.shares(),
        "disputed": disputed_tasks([(t, k, a, shown) for t, k, a, _, _, shown, *_ in rows]),
        "bounds": bounds,
        "unfolded": 0,
    }
