"""Reading rubric ratings out of labels: which labels carry them, each label's points
per response checked against the rubric of the codebook version it was given under
(feedback.labelling.rubric, the contract), for the rubric figures here and the exports'
ratings rows and rating-derived pairs.

Only the kinds whose ratings are keyed by a response's canonical position are read
here (rate, and pair and rank where the rubric gives them aspects); the per-turn kind
keys its ratings by message index and is not a (task, response) rating.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from feedback.labelling.models import CodebookVersion, Project, TaskKind
from feedback.labelling.rubric import Aspect, InvalidRubric, aspects_for, overall_score, parse_rubric

RATED_KINDS = (TaskKind.RATE, TaskKind.PAIR, TaskKind.RANK)


@dataclass(frozen=True)
class Rubric:
    """One codebook version's rubric, parsed."""

    version: int
    aspects: tuple[Aspect, ...]

    @property
    def signature(self) -> tuple:
        """What makes two versions' points comparable: the aspects' names, scales and
        weights (questions and point descriptions are guideline text, like the codebook's)."""
        return tuple((a.name, a.low, a.high, a.weight) for a in self.aspects)

    def for_kind(self, kind: str) -> list[Aspect]:
        return aspects_for(self.aspects, kind)


def project_rubrics(project: Project, versions=()) -> dict[int, Rubric]:
    """codebook id → Rubric, for the project's versions with a usable rubric (all, or
    those in `versions`). A stored rubric that no longer parses is left out: its labels'
    ratings cannot be read against it."""
    rubrics = {}
    codebooks = CodebookVersion.objects.filter(project=project).order_by("version")
    if versions:
        codebooks = codebooks.filter(version__in=versions)
    for codebook_id, version, data in codebooks.values_list("pk", "version", "rubric"):
        try:
            aspects = parse_rubric(data)
        except InvalidRubric:
            continue
        if aspects:
            rubrics[codebook_id] = Rubric(version, tuple(aspects))
    return rubrics


def rated_filter(rubrics: dict[int, Rubric], kinds=()) -> Q | None:
    """The labels that carry ratings: per rated kind (of `kinds`, empty: all), those
    given under a version whose rubric gives that kind aspects. None when no label can:
    then there is nothing to read, and no query is made. Selecting by codebook version,
    not by looking inside each answer, keeps a project's unrated pair labels unread."""
    condition = None
    for kind in RATED_KINDS:
        if kinds and kind not in kinds:
            continue
        codebooks = [codebook for codebook, rubric in rubrics.items() if rubric.for_kind(kind)]
        if codebooks:
            part = Q(kind=kind, codebook_id__in=codebooks)
            condition = part if condition is None else condition | part
    return condition


def rated_labels(labels: QuerySet, rubrics: dict[int, Rubric], kinds=()) -> QuerySet:
    """`labels` narrowed to those that carry ratings (rated_filter); none when none can."""
    condition = rated_filter(rubrics, kinds)
    return labels.none() if condition is None else labels.filter(condition)


def label_points(answer: dict, aspects: list[Aspect]) -> dict[int, dict[str, int]]:
    """position → {aspect: point} of one label's ratings, keeping only the points that
    are whole numbers on their aspect's scale (labels are checked at submit; anything
    else stored is skipped, never guessed at)."""
    ratings = answer.get("ratings") if isinstance(answer, dict) else None
    if not isinstance(ratings, dict):
        return {}
    points = {}
    for key, given in ratings.items():
        if not isinstance(given, dict) or not str(key).isdigit():
            continue
        kept = {a.name: given[a.name] for a in aspects
                if type(given.get(a.name)) is int and given[a.name] in a.scale}
        if kept:
            points[int(key)] = kept
    return points


def score_of(points: dict[str, float], aspects: list[Aspect]) -> float | None:
    """overall_score over the aspects that have a point (None when none has)."""
    rated = [a for a in aspects if a.name in points]
    return overall_score(points, rated) if rated else None
