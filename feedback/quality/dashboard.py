"""The reviewer dashboard's numbers, from one pass over the filtered labels.

Agreement is Krippendorff's alpha (nominal) on comparable values: the pair choice, the
top-ranked response, each response's thumb. Annotator flags follow the project's
QualitySettings bounds; annotators with too few labels are shown but never flagged.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from feedback.exports.filters import ExportFilters
from feedback.labelling.models import Label, Membership, Project, Tier
from feedback.loop.leaderboard_data import producers_by_task
from feedback.quality.metrics import agreement_with_others, krippendorff_alpha, percent_agreement
from feedback.quality.models import QualitySettings
from feedback.quality.reliability import pair_choice, reliability_by_annotator
from feedback.quality.selectors import disputed_tasks

NEXT_TIER = {Tier.TRAINEE: Tier.REGULAR, Tier.REGULAR: Tier.EXPERT}


@dataclass
class AnnotatorRow:
    user_id: int
    username: str
    tier: str = ""
    labels: int = 0
    median_seconds: float | None = None
    majority_agreement: float | None = None
    others_agreement: float | None = None
    others_pairs: int = 0
    gold_accuracy: float | None = None
    gold_total: int = 0
    thumbs_up_share: float | None = None
    first_shown_wins: float | None = None
    flags: list = field(default_factory=list)
    suggested_tier: str | None = None


def _units(rows, annotators=None) -> tuple[list, list]:
    """(unit, value) pairs for alpha: thumbs give one unit per (task, response). With
    `annotators` (a list), the annotator of each pair is appended to it."""
    units, values = [], []
    for task_id, kind, answer, *rest in rows:
        if kind == "thumbs":
            pairs = [(f"{task_id}:{position}", thumb) for position, thumb in (answer.get("thumbs") or {}).items()]
        else:
            value = pair_choice(kind, answer)
            pairs = [] if value is None else [(str(task_id), value)]
        for unit, value in pairs:
            units.append(unit), values.append(value)
            if annotators is not None:
                annotators.append(rest[0])
    return units, values


def others_agreement(rows) -> dict:
    """user id → (share of agreeing pairs with the others on the same items, pairs);
    `rows`: (task_id, kind, answer, user_id) tuples."""
    who = []
    units, values = _units(rows, who)
    return agreement_with_others(units, who, values) if units else {}


def agreement(rows) -> dict:
    units, values = _units(rows)
    alpha = krippendorff_alpha(units, values) if units else float("nan")
    return {"alpha": None if alpha != alpha else round(alpha, 3),
            "percent": None if not units else _nan_none(percent_agreement(units, values)), "labels": len(rows)}


def _nan_none(value):
    return None if value != value else round(value, 3)


def _week(moment):
    day = moment.date()
    return day - timedelta(days=day.weekday())


def dashboard(project: Project, filters: ExportFilters) -> dict:
    """`filters`: the same label filters as exports (codebook versions, dates, tiers, split)."""
    bounds = QualitySettings.objects.filter(project=project).first() or QualitySettings(project=project)
    labels = filters.apply(Label.objects.filter(task__project=project))
    rows = list(labels.values_list("task_id", "kind", "answer", "annotator_id", "annotator__username", "display_order",
                                   "time_spent_ms", "created_at", "codebook__version", "task__calibration_for__version"))
    by_kind, by_version, by_week, calibration = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    by_week_kind = defaultdict(list)
    per_user = defaultdict(lambda: {"times": [], "thumbs": [0, 0], "first": [0, 0]})
    project_thumbs = [0, 0]
    producers = producers_by_task(project)
    thumbs_by_producer = defaultdict(lambda: [0, 0])
    active = project.codebooks.filter(is_active=True).values_list("version", flat=True).first()
    for task_id, kind, answer, user_id, _, shown, spent, created, version, calibration_for in rows:
        item = (task_id, kind, answer)
        by_kind[kind].append(item), by_version[version].append(item), by_week[_week(created)].append(item)
        by_week_kind[(_week(created), kind)].append(item)
        if calibration_for:
            calibration[calibration_for].append(item)
        stats = per_user[user_id]
        stats["times"].append(spent / 1000)
        if kind == "thumbs":
            for position, thumb in (answer.get("thumbs") or {}).items():
                up = thumb == "up"
                stats["thumbs"][0] += up
                stats["thumbs"][1] += 1
                project_thumbs[0] += up
                project_thumbs[1] += 1
                key = producers.get(task_id, {}).get(int(position))
                if key:
                    thumbs_by_producer[key][0] += up
                    thumbs_by_producer[key][1] += 1
        elif kind == "pair" and answer.get("choice") in ("A", "B") and shown:
            stats["first"][0] += answer["choice"] == "AB"[shown[0]]
            stats["first"][1] += 1
    project_share = project_thumbs[0] / project_thumbs[1] if project_thumbs[1] else None
    reliability = reliability_by_annotator(project, labels)
    with_others = others_agreement([(t, k, a, u) for t, k, a, u, *_ in rows])
    members = dict(Membership.objects.filter(project=project).values_list("user_id", "tier"))
    names = {user_id: name for _, _, _, user_id, name, *_ in rows}
    annotators = []
    for user_id, stats in per_user.items():
        rel = reliability.get(user_id)
        row = AnnotatorRow(user_id=user_id, username=names[user_id], tier=members.get(user_id, ""),
                           labels=len(stats["times"]), median_seconds=round(median(stats["times"]), 1))
        if rel:
            row.majority_agreement = _nan_none(rel.majority_agreement if rel.majority_agreement is not None else float("nan"))
            row.gold_accuracy = _nan_none(rel.gold_accuracy if rel.gold_accuracy is not None else float("nan"))
            row.gold_total = rel.gold_total
        if user_id in with_others:
            row.others_agreement, row.others_pairs = round(with_others[user_id][0], 3), with_others[user_id][1]
        if stats["thumbs"][1]:
            row.thumbs_up_share = round(stats["thumbs"][0] / stats["thumbs"][1], 3)
        if stats["first"][1]:
            row.first_shown_wins = round(stats["first"][0] / stats["first"][1], 3)
        _flag(row, bounds, project_share)
        annotators.append(row)
    annotators.sort(key=lambda r: (-len(r.flags), r.username))
    return {
        "overall": agreement([(t, k, a) for t, k, a, *_ in rows]),
        "by_kind": {kind: agreement(items) for kind, items in sorted(by_kind.items())},
        "by_version": {version: agreement(items) for version, items in sorted(by_version.items())},
        "by_week": [(week, agreement(items)) for week, items in sorted(by_week.items())],
        "by_week_kind": {key: agreement(items)["alpha"] for key, items in by_week_kind.items()},
        "calibration": agreement(calibration[active]) if calibration.get(active) else None,
        "calibration_by_version": {version: agreement(items) for version, items in sorted(calibration.items())},
        "active_version": active,
        "annotators": annotators,
        "project_thumbs_up": None if project_share is None else round(project_share, 3),
        "thumbs_by_producer": sorted(((key, up / total, total) for key, (up, total) in thumbs_by_producer.items()),
                                     key=lambda item: -item[1]),
        "disputed": disputed_tasks(rows),
        "bounds": bounds,
    }


def _flag(row: AnnotatorRow, bounds: QualitySettings, project_share: float | None) -> None:
    if row.labels < bounds.min_labels_for_flags:
        return
    if row.thumbs_up_share is not None and project_share is not None and abs(row.thumbs_up_share - project_share) > bounds.max_thumbs_up_gap:
        row.flags.append(f"thumbs-up {row.thumbs_up_share:.0%} vs project {project_share:.0%}")
    if row.first_shown_wins is not None and not bounds.position_bias_low <= row.first_shown_wins <= bounds.position_bias_high:
        row.flags.append(f"first-shown wins {row.first_shown_wins:.0%}")
    if row.majority_agreement is not None and row.majority_agreement < bounds.min_agreement:
        row.flags.append(f"agrees with the majority {row.majority_agreement:.0%}")
    if row.gold_accuracy is not None and row.gold_accuracy < bounds.min_gold_accuracy:
        row.flags.append(f"gold accuracy {row.gold_accuracy:.0%}")
    if (row.tier in NEXT_TIER and not row.flags and row.gold_accuracy is not None
            and row.gold_accuracy >= bounds.promote_gold_accuracy and (row.majority_agreement or 0) >= bounds.promote_agreement):
        row.suggested_tier = NEXT_TIER[row.tier]
