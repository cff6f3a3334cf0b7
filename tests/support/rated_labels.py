"""Rubric ratings written straight to the database, in the contract's answer format
(feedback.labelling.rubric), whose ratings rows, derived pairs and figures are known.

Codebook v1's rubric: helpfulness 1–5 (weight 2; rate and pair tasks), correctness 1–5
(weight 1; rate tasks). v2's: helpfulness 1–7 and clarity 1–3 (rate tasks).

  rate-3      rate, v1, three annotators (u1, u2, u3), responses r0 r1 r2:
              helpfulness r0 5 4 5 · r1 3 3 3 · r2 2 4 3
              correctness r0 5 5 4 · r1 3 2 4 · r2 3 3 3
              → scores r0 0.9167, r1 0.5, r2 0.5: pairs r0>r1 and r0>r2 (margin 0.4167, agreement 1)
  near-tie    rate, v1, u1 and u2: n0 (4, 4) (4, 4); n1 (4, 4) (4, 3)
              → scores 0.75 and 0.7083: margin 0.0417, below the default 0.05
  pair-rated  a pair task: u1 and u2 choose A with helpfulness p0 5, p1 2; u3 chooses B with 3, 4;
              and a rate task on the same prompt and responses: u1 p0 (5, 5), p1 (1, 1)
              → helpfulness p0 4.3333 (3 annotators, u1's two ratings averaged), p1 2.5
              → scores p0 0.8333, p1 0.375: margin 0.4583, agreement 2/3, 3 votes
  v2-rate     rate, v2, u1 and u2: v0 helpfulness 7 5, clarity 3 3; v1 helpfulness 1 3, clarity 1 2
              → v0 helpfulness 6 (std 1), clarity 3, score 0.9167; v1 2, 1.5, score 0.2083
"""
import pytest

from feedback.labelling.models import CodebookVersion, Task
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import import_jsonl
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines

V1_RUBRIC = [
    {"name": "helpfulness", "question": "How well does it answer?", "scale": {"min": 1, "max": 5},
     "points": {"1": "Ignores the request", "5": "Fully answers it"}, "weight": 2, "kinds": ["rate", "pair"]},
    {"name": "correctness", "question": "Is it right?", "scale": {"min": 1, "max": 5}, "weight": 1, "kinds": ["rate"]},
]
V2_RUBRIC = [
    {"name": "helpfulness", "question": "How well does it answer?", "scale": {"min": 1, "max": 7}, "kinds": ["rate"]},
    {"name": "clarity", "question": "Is it clear?", "scale": {"min": 1, "max": 3}, "kinds": ["rate"]},
]
TEXTS = {name: [f"{name} response {i}" for i in range(3)] for name in ("rate-3", "near-tie", "pair-rated", "v2-rate")}


def rubric_codebook(project, author, rubric, text):
    codebook = codebook_publish(project=project, text=text, author=author)
    CodebookVersion.objects.filter(pk=codebook.pk).update(rubric=rubric)
    codebook.rubric = rubric
    return codebook


def ratings(**by_position):
    """ratings(p0={"helpfulness": 5}, ...) → {"0": {...}, ...}"""
    return {key[1:]: points for key, points in by_position.items()}


def load_rated_labels(project, make_user, author):
    users = [make_user(name, project=project) for name in ("u1", "u2", "u3")]
    v1 = rubric_codebook(project, author, V1_RUBRIC, "# Rubric v1")
    rows = [{"external_id": name, "prompt": f"Prompt for {name}?", "kind": "pair" if name == "pair-rated" else "rate",
             "candidates": [{"text": TEXTS[name][i], "producer": f"m{i}"} for i in range(3 if name == "rate-3" else 2)]}
            for name in TEXTS]
    import_jsonl(project=project, lines=jsonl_lines(rows))
    pair_row = next(row for row in rows if row["external_id"] == "pair-rated")
    import_jsonl(project=project, lines=jsonl_lines([{**pair_row, "kind": "rate"}]))
    task = {name: Task.objects.get(project=project, prompt__external_id=name, kind="pair" if name == "pair-rated" else "rate")
            for name in TEXTS}
    task["pair-rated/rate"] = Task.objects.get(project=project, prompt__external_id="pair-rated", kind="rate")

    def rate(name, user, codebook, **points):
        return make_label(task[name], user, codebook, {"ratings": ratings(**points)})

    u1, u2, u3 = users
    h, c = "helpfulness", "correctness"
    for user, (a, b, d) in zip(users, [((5, 5), (3, 3), (2, 3)), ((4, 5), (3, 2), (4, 3)), ((5, 4), (3, 4), (3, 3))]):
        rate("rate-3", user, v1, p0={h: a[0], c: a[1]}, p1={h: b[0], c: b[1]}, p2={h: d[0], c: d[1]})
    rate("near-tie", u1, v1, p0={h: 4, c: 4}, p1={h: 4, c: 4})
    rate("near-tie", u2, v1, p0={h: 4, c: 4}, p1={h: 4, c: 3})
    for user, choice, (a, b) in [(u1, "A", (5, 2)), (u2, "A", (5, 2)), (u3, "B", (3, 4))]:
        make_label(task["pair-rated"], user, v1, {"choice": choice, "strength": None, "ratings": ratings(p0={h: a}, p1={h: b})})
    rate("pair-rated/rate", u1, v1, p0={h: 5, c: 5}, p1={h: 1, c: 1})
    v2 = rubric_codebook(project, author, V2_RUBRIC, "# Rubric v2")
    for user, (a, b) in zip((u1, u2), [((7, 3), (1, 1)), ((5, 3), (3, 2))]):
        rate("v2-rate", user, v2, p0={h: a[0], "clarity": a[1]}, p1={h: b[0], "clarity": b[1]})
    return {"users": users, "task": task, "v1": v1, "v2": v2}


@pytest.fixture
def rated(project, make_user, admin_user):
    return load_rated_labels(project, make_user, admin_user)
