"""Agreement on rubric ratings, and how each annotator uses the scale. No Django here.

Ratings come in long form, one entry per (label, response, aspect): the unit (a task's
response, "task:position"), the annotator and the point.

- Agreement per aspect is Krippendorff's alpha at the ordinal level (metrics.py, the
  dashboard's one implementation): points are ordered, but a rubric's points need not
  be evenly spaced (1 "ignores the request" to 2 "partly answers" is not 4 to 5).
- Leniency: each of an annotator's points minus the mean of the other annotators'
  points on the same response and aspect, averaged: above 0 they rate higher than the
  others (lenient), below 0 lower (severe), in points of the aspect's scale.
- Scale use: how many of the scale's points an annotator gives on an aspect, and the
  share of their points that fall on their two most used points: near 1 on a 1–5 scale,
  someone rates almost everything 3 or 4.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

from feedback.quality.metrics import krippendorff_alpha, value_counts


def ordinal_alpha(units, values) -> float:
    """Krippendorff's alpha over the points, ordinal; nan when undefined."""
    return krippendorff_alpha(units, values, "ordinal") if len(units) else float("nan")


def compared_units(units, values) -> int:
    """Units rated at least twice: those alpha compares."""
    return int((value_counts(units, values)[0].sum(axis=1) >= 2).sum()) if len(units) else 0


@dataclass
class Offsets:
    total: float = 0.0
    compared: int = 0  # points that had other annotators' points beside them

    def add(self, other: "Offsets") -> None:
        self.total, self.compared = self.total + other.total, self.compared + other.compared

    @property
    def mean(self) -> float | None:
        return self.total / self.compared if self.compared else None


def leniency(units, annotators, values) -> dict:
    """annotator → Offsets of their points from the mean of the others' on the same unit
    (units with one annotator say nothing). Each annotator rates a unit at most once."""
    sums, counts = defaultdict(float), Counter()
    for unit, value in zip(units, values):
        sums[unit] += value
        counts[unit] += 1
    offsets = defaultdict(Offsets)
    for unit, who, value in zip(units, annotators, values):
        others = counts[unit] - 1
        if others:
            own = offsets[who]
            own.total += value - (sums[unit] - value) / others
            own.compared += 1
    return dict(offsets)


@dataclass
class ScaleUse:
    ratings: int = 0
    on_top_two: int = 0  # points on each aspect's two most used points, summed over aspects
    points_used: int = 0  # distinct points, summed over aspects
    points_offered: int = 0  # the scales' sizes, summed over the same aspects
    aspects: int = 0

    def add(self, other: "ScaleUse") -> None:
        for name in ("ratings", "on_top_two", "points_used", "points_offered", "aspects"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def top_two_share(self) -> float | None:
        return self.on_top_two / self.ratings if self.ratings else None

    @property
    def mean_points_used(self) -> float | None:
        return self.points_used / self.aspects if self.aspects else None

    @property
    def mean_points_offered(self) -> float | None:
        return self.points_offered / self.aspects if self.aspects else None


def scale_use(annotators, values, scale_size: int) -> dict:
    """annotator → ScaleUse of one aspect's points (a scale of `scale_size` points)."""
    given = defaultdict(Counter)
    for who, value in zip(annotators, values):
        given[who][value] += 1
    return {who: ScaleUse(ratings=sum(points.values()), on_top_two=sum(n for _, n in points.most_common(2)),
                          points_used=len(points), points_offered=scale_size, aspects=1)
            for who, points in given.items()}
