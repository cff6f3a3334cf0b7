"""The votes rows are decided from: per pair task, the weighted vote sums the database
adds up (one row per task, in task order); per rank or thumbs task, its labels' answers
one row each. Weights are the annotators' reliability when an export asks for it."""
import json
from itertools import groupby

from django.db.models import Avg, Case, CharField, Count, FloatField, Max, Q, Sum, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from feedback.exports.aggregate import PairTally, Vote
from feedback.exports.builders.tasks import filtered_labels
from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import stream_rows
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, TaskKind
from feedback.quality.reliability import annotator_weights


def weights_for(project: Project, filters: ExportFilters) -> dict[int, float]:
    """annotator id → weight; empty (every vote 1.0) unless the export weighs by reliability."""
    return annotator_weights(project) if filters.weight_by_reliability else {}


def _weight_expression(weights: dict[int, float]):
    if not weights:
        return Value(1.0, output_field=FloatField())
    return Case(
        *[When(annotator_id=user_id, then=Value(float(w))) for user_id, w in weights.items()],
        default=Value(1.0),
        output_field=FloatField(),
    )


def pair_tally_queryset(project: Project, filters: ExportFilters, weights: dict[int, float], *,
                        strengths: bool = True, **more):
    """Per pair task, in task order, the vote sums by choice (a, b, tie, bad), the label
    count n, the newest label id, mean strengths (sa, sb) when asked, and `more`."""
    # Cast to plain text: a bare key transform compares as JSON on SQLite.
    choice, weight = Cast(KT("answer__choice"), CharField()), _weight_expression(weights)

    def votes_for(value):
        # Without weights every vote weighs 1.0: a filtered count is the same sum, much
        # cheaper than summing numerics, and compares and divides to the same floats.
        # With weights, cast in SQL: the same value as float() of the database's sum.
        if not weights:
            return Count("id", filter=Q(choice=value))
        return Cast(Sum(Case(When(choice=value, then=weight), default=Value(0.0), output_field=FloatField())), FloatField())

    def strength_of(value):
        return Avg(Cast(KT("answer__strength"), FloatField()), filter=Q(choice=value))

    if strengths:
        more.update(sa=strength_of("A"), sb=strength_of("B"))
    return (
        filtered_labels(project, filters)
        .filter(kind=TaskKind.PAIR)
        .alias(choice=choice)
        .values("task_id")
        .annotate(a=votes_for("A"), b=votes_for("B"), tie=votes_for("tie"), bad=votes_for("both_bad"),
                  n=Count("id"), newest=Max("id"), **more)
        .order_by("task_id")
    )


def pair_tallies(project: Project, filters: ExportFilters, weights: dict[int, float], summary: ExportSummary):
    """(task_id, PairTally) per pair task, in task order, summed by the database."""
    tallies = pair_tally_queryset(project, filters, weights).values_list(
        "task_id", "a", "b", "tie", "bad", "n", "sa", "sb", "newest")
    for task_id, a, b, tie, bad, n, sa, sb, newest in stream_rows(tallies):
        summary.labels += n
        summary.tasks += 1
        summary.max_label_id = max(summary.max_label_id, newest)
        # float(): Postgres sums numeric literals as numeric, and stream_rows skips converters.
        yield task_id, PairTally(
            a=float(a), b=float(b), tie=float(tie), both_bad=float(bad), votes=n,
            strength_a=None if sa is None else float(sa), strength_b=None if sb is None else float(sb),
        )


def label_votes(project: Project, filters: ExportFilters, kind: str, weights: dict[int, float], summary: ExportSummary,
                *, codebooks=None):
    """(task_id, [Vote]) per task of `kind`, in task order, one label row at a time; only
    labels given under `codebooks` (codebook ids) when given."""
    labels = filtered_labels(project, filters).filter(kind=kind)
    if codebooks is not None:
        labels = labels.filter(codebook_id__in=codebooks)
    labels = labels.order_by("task_id", "id").values_list(
        "task_id", Cast("answer", TextField()), "annotator_id", "id", "codebook_id")
    for task_id, group in groupby(stream_rows(labels), key=lambda row: row[0]):
        group = list(group)
        summary.labels += len(group)
        summary.tasks += 1
        summary.max_label_id = max(summary.max_label_id, group[-1][3])
        yield task_id, [Vote(json.loads(answer), weights.get(annotator, 1.0), annotator, codebook)
                        for _, answer, annotator, _, codebook in group]
