"""The dashboard's figures read from the kept figures (feedback.quality.kept): the same
entries as dashboard.dashboard_from_labels, whatever the number of labels.

The calibration sets' agreement is computed from their labels: a calibration set is a
few dozen tasks a reviewer chose, and tasks join it after they were labelled."""
from collections import defaultdict

from django.contrib.auth import get_user_model

from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Membership, Project
from feedback.quality.annotator_rows import AnnotatorRow, by_flags, flag_row, share_of
from feedback.quality.dashboard import active_version, agreement_tables, quality_bounds, selected_labels
from feedback.quality.kept.loading import labels_by_task, task_infos
from feedback.quality.kept.reading import KeptFigures, agreement_by_kind, kept_figures, median_seconds
from feedback.quality.kept.selection import Selection
from feedback.quality.measures import agreement_by_kind as agreement_from_labels
from feedback.quality.models import Adjudication, TaskFigures
from feedback.quality.producers import ThumbsByProducer

TOP_DISPUTED = 10


def selection_of(filters: LabelFilters, kinds=()) -> Selection:
    return Selection(kinds=frozenset(kinds), versions=frozenset(filters.codebook_versions), since=filters.since,
                     until=filters.until, split=filters.split)


def dashboard_kept(project: Project, filters: LabelFilters, kinds=()) -> dict:
    selection = selection_of(filters, kinds)
    kept = kept_figures(project, selection)
    bounds = quality_bounds(project)
    thumbs = kept.totals("thumbs")
    up, given = thumbs.get("up", 0), thumbs.get("given", 0)
    project_share = up / given if given else None  # unrounded, as the flags compare it
    producers = ThumbsByProducer()
    for producer, counts in kept.totals("producer_thumbs").items():
        producers[producer] = [counts.get("up", 0), counts.get("given", 0)]
    labels = selected_labels(project, filters, kinds)
    return {
        "labels": kept.labels(),
        **agreement_tables(
            by_kind=agreement_by_kind(kept.overall),
            by_version={version: agreement_by_kind(groups) for version, groups in sorted(kept.by_version.items())},
            by_week=[(week, agreement_by_kind(groups)) for week, groups in sorted(kept.by_week.items())],
            calibration=_calibration(labels), active_version=active_version(project)),
        "annotators": _annotator_rows(project, kept, labels, bounds, project_share),
        "project_thumbs_up": share_of((up, given)),
        "thumbs_by_producer": producers.shares(),
        "disputed": most_disputed(project, selection, kept),
        "bounds": bounds,
        "unfolded": kept.unfolded,
    }


def _calibration(labels) -> dict:
    """Calibration set's version → agreement per kind, over its tasks' selected labels."""
    items = defaultdict(list)
    for task_id, kind, answer, version in labels.filter(task__calibration_for__isnull=False).values_list(
            "task_id", "kind", "answer", "task__calibration_for__version"):
        items[version].append((task_id, kind, answer))
    return {version: agreement_from_labels(rows) for version, rows in sorted(items.items())}


def _annotator_rows(project: Project, kept: KeptFigures, labels, bounds, project_share) -> list[AnnotatorRow]:
    counted = {user: counters for user, counters in kept.annotators.items() if counters["labels"]}
    names = dict(get_user_model().objects.filter(pk__in=counted).values_list("pk", "username"))
    tiers = dict(Membership.objects.filter(project=project, user_id__in=counted).values_list("user_id", "tier"))
    medians = median_seconds(labels) if counted else {}
    rows = []
    for user, c in counted.items():
        row = AnnotatorRow(
            user_id=user, username=names.get(user, str(user)), tier=tiers.get(user, ""), labels=c["labels"],
            median_seconds=round(medians[user], 1) if user in medians else None,
            thumbs_up_share=share_of((c["thumbs_up"], c["thumbs_given"])),
            first_shown_wins=share_of((c["first_shown_wins"], c["first_shown_pairs"])),
            majority_agreement=share_of((c["majority_agreed"], c["majority_compared"])),
            gold_accuracy=share_of((c["gold_correct"], c["gold_total"])), gold_total=c["gold_total"])
        if c["others_pairs"]:
            row.others_agreement, row.others_pairs = share_of((c["others_agreeing"], c["others_pairs"])), c["others_pairs"]
        flag_row(row, bounds, project_share)
        rows.append(row)
    return by_flags(rows)


def most_disputed(project: Project, selection: Selection, kept: KeptFigures, limit: int = TOP_DISPUTED) -> list[dict]:
    """The `limit` most disputed tasks among the selected labels, as selectors.disputed_tasks
    lists them: the whole cells' from the kept shares (an index), the cut ones recomputed."""
    whole = TaskFigures.objects.filter(selection.whole_cells(), project=project, majority_share__isnull=False)
    ranked = sorted([*whole.order_by("majority_share", "-labels", "task_id").values_list(
        "majority_share", "labels", "task_id")[:limit], *kept.cut_disputes], key=lambda d: (d[0], -d[1], d[2]))[:limit]
    ids = [task_id for _, _, task_id in ranked]
    tasks, labels = task_infos(ids), labels_by_task(ids)
    adjudicated = set(Adjudication.objects.filter(task_id__in=ids).values_list("task_id", flat=True))
    disputed = []
    for share, count, task_id in ranked:
        task = tasks[task_id]
        given = [(task.kind, label.answer, label.display_order) for label in labels[task_id] if selection.takes(task, label)]
        disputed.append({"task_id": task_id, "kind": task.kind, "labels": count, "majority_share": share, "given": given,
                         "adjudicated": task_id in adjudicated})
    return disputed
