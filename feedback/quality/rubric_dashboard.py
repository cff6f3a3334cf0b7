"""The quality dashboard's Rubric section: ordinal alpha per aspect, and each annotator's
leniency and scale use (rubric_agreement), over the rated labels the dashboard's filters
keep.

Computed from those labels on each view, not from the kept figures: one query over the
labels that carry ratings, found by kind and codebook version (rated_labels.rated_filter),
so a project without a rubric makes no query and its unrated pair labels are never read.
Its cost grows with the rated labels in the selection. An aspect is its name and scale:
a rubric that moves helpfulness from 1–5 to 1–7 starts a new one, whose points are not
compared with the old.
"""
from collections import defaultdict

from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Project
from feedback.quality.dashboard import selected_labels
from feedback.quality.rated_labels import label_points, project_rubrics, rated_labels
from feedback.quality.rubric_agreement import Offsets, ScaleUse, compared_units, leniency, ordinal_alpha, scale_use

# Badges need this many ratings: a few points say nothing about a habit.
MIN_RATINGS_FOR_BADGES = 10
NARROW_SHARE = 0.9  # two points take at least this share of someone's ratings
LENIENT_POINTS = 0.5  # an average offset from the others of at least half a point


def _rounded(value):
    return None if value is None or value != value else round(value, 3)


def rubric_figures(project: Project, filters: LabelFilters, kinds=()) -> dict | None:
    """None when the project has no rubric (the section is not shown); else the figures
    over the selected rated labels."""
    rubrics = project_rubrics(project, filters.codebook_versions)
    if not rubrics and not project_rubrics(project):
        return None
    ratings = defaultdict(lambda: ([], [], []))  # (aspect, low, high) → units, annotators, points
    names, labels = {}, 0
    rows = rated_labels(selected_labels(project, filters, kinds), rubrics, kinds).values_list(
        "task_id", "kind", "annotator_id", "annotator__username", "codebook_id", "answer")
    for task_id, kind, annotator, username, codebook_id, answer in rows.iterator(chunk_size=5000):
        labels += 1
        names[annotator] = username
        aspects = rubrics[codebook_id].for_kind(kind)
        scales = {a.name: (a.low, a.high) for a in aspects}
        for position, points in label_points(answer, aspects).items():
            for name, point in points.items():
                units, who, values = ratings[(name, *scales[name])]
                units.append(f"{task_id}:{position}"), who.append(annotator), values.append(point)
    aspects, offsets, use = [], defaultdict(Offsets), defaultdict(ScaleUse)
    for (name, low, high), (units, who, values) in ratings.items():
        aspects.append({"name": name, "low": low, "high": high, "alpha": _rounded(ordinal_alpha(units, values)),
                        "units": compared_units(units, values), "ratings": len(values)})
        for annotator, part in leniency(units, who, values).items():
            offsets[annotator].add(part)
        for annotator, part in scale_use(who, values, high - low + 1).items():
            use[annotator].add(part)
    return {"labels": labels, "aspects": aspects, "annotators": _annotators(names, offsets, use),
            "min_ratings": MIN_RATINGS_FOR_BADGES, "narrow_share": NARROW_SHARE, "lenient_points": LENIENT_POINTS}


def _annotators(names: dict, offsets: dict, use: dict) -> list[dict]:
    """One row per annotator, the farthest from the others first."""
    rows = []
    for annotator, username in names.items():
        scale, offset = use[annotator], offsets.get(annotator, Offsets())
        enough = scale.ratings >= MIN_RATINGS_FOR_BADGES
        badges = []
        if enough and offset.mean is not None and abs(offset.mean) >= LENIENT_POINTS:
            badges.append("lenient" if offset.mean > 0 else "severe")
        if enough and scale.top_two_share is not None and scale.top_two_share >= NARROW_SHARE and scale.mean_points_offered > 3:
            badges.append("narrow")
        rows.append({"username": username, "ratings": scale.ratings, "offset": _rounded(offset.mean),
                     "compared": offset.compared, "points_used": _rounded(scale.mean_points_used),
                     "points_offered": _rounded(scale.mean_points_offered), "top_two_share": _rounded(scale.top_two_share),
                     "badges": badges})
    return sorted(rows, key=lambda r: (-(abs(r["offset"]) if r["offset"] is not None else -1), r["username"]))
