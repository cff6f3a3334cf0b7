"""What each agreement figure compares: per task kind, its unit, its value and its level
of measurement. The dashboard's figures (by kind, codebook version, week, calibration set)
and each annotator's agreement with the others come from here; simulate_loop's alpha (its
tasks are pairs) is the pair definition.

  pair    unit: the task                 value: the choice (A, B, tie, both bad)     nominal
  rank    unit: one response of a task   value: its place in the ranking (1 = best)  ordinal
  thumbs  unit: one response of a task   value: up or down                           nominal
  turns   unit: one assistant turn of a conversation task   value: up or down        nominal

rate tasks give no units here: a rating is a point on one aspect's own scale, and
agreement on them is per aspect (its own figures), never pooled with these. Ratings a
pair or rank label carries beside its choice or order are not read here either.

Why these:
- pair is nominal: "both bad" has no place on a better/worse scale, and the strength is
  optional (often blank, never given with tie or both bad), so an ordinal scale
  "A much better … tie … B much better" would leave many labels off it.
- rank uses every place, not only the top pick: a 4-response ranking says four things,
  and places are ordered but not evenly spaced (1st vs 2nd need not be as far as 3rd vs
  4th), hence ordinal. Random rankings give an alpha near 0, full agreement 1. (When all
  rankings have the same length every place is used equally often, and ordinal alpha
  then equals interval alpha; with lengths mixed they differ.)
- thumbs: each response's thumb is its own judgement, as exports count it.

No figure pools the kinds. One alpha over pair choices, rank places and thumbs would set
categories side by side that can never meet in a unit ("A" against "up"): every pair of
values from two kinds counts as expected disagreement, so the pooled alpha is inflated
(0.463 against 0.16–0.29 per kind, as once seen on the demo); and it would need one level
of measurement for nominal and ordinal values. Percent agreement is per kind for the same
reason: two thumbs agree by chance far more often than two rankings place a response alike.
"""
from collections import defaultdict
from dataclasses import dataclass

from feedback.labelling.models import TaskKind
from feedback.labelling.turns import thumbs_of
from feedback.quality.metrics import krippendorff_alpha, percent_agreement, value_counts


@dataclass(frozen=True)
class Measure:
    level: str  # Krippendorff's level of measurement
    unit: str  # what one compared item is, for people: "task" or "response"
    explanation: str  # one sentence for the page, next to the figure


MEASURES = {
    TaskKind.PAIR: Measure("nominal", "task",
                           "The choice per task (Response 1, Response 2, tie or both bad), as categories."),
    TaskKind.RANK: Measure("ordinal", "response",
                           "Each response's place in the ranking (1st, 2nd, …), as an ordered scale."),
    TaskKind.THUMBS: Measure("nominal", "response", "Each response's thumb, up or down."),
    TaskKind.TURNS: Measure("nominal", "turn", "Each assistant turn's thumb, up or down."),
}


def unit_values(task_id, kind: str, answer: dict) -> list[tuple[str, object]]:
    """The (unit, value) pairs one label gives, in canonical positions (see Label)."""
    if kind == TaskKind.PAIR:
        choice = answer.get("choice")
        return [] if choice is None else [(str(task_id), choice)]
    if kind == TaskKind.RANK:
        return [(f"{task_id}:{position}", place) for place, position in enumerate(answer.get("order") or [], start=1)]
    if kind == TaskKind.TURNS:
        return turn_unit_values(task_id, answer)
    if kind != TaskKind.THUMBS:
        return []  # rate (see the module's docstring), and kinds not measured here
    return [(f"{task_id}:{position}", thumb) for position, thumb in (answer.get("thumbs") or {}).items()]


def turn_unit_values(task_id, answer: dict) -> list[tuple[str, object]]:
    """A turns label's units: each judged turn ("<task>:t<turn index>"), valued by its
    thumb, as a thumbs label's responses are (the rubric points are the ratings'
    figures, not these)."""
    return [(f"{task_id}:t{index}", thumb) for index, thumb in sorted(thumbs_of(answer).items())]


@dataclass
class Agreement:
    """One kind's figures over some labels."""

    kind: str
    alpha: float | None  # Krippendorff's alpha at the kind's level; None when undefined
    percent: float | None  # share of annotator pairs giving a unit the same value
    labels: int
    units: int  # units labelled at least twice: those the figures compare

    @property
    def measure(self) -> Measure:
        return MEASURES[self.kind]


def agreement_by_kind(rows) -> dict[str, Agreement]:
    """kind → Agreement (pair, rank, thumbs, as in MEASURES) for the kinds present in
    `rows`: (task_id, kind, answer) tuples."""
    units, values, labels = defaultdict(list), defaultdict(list), defaultdict(int)
    for task_id, kind, answer in rows:
        labels[kind] += 1
        for unit, value in unit_values(task_id, kind, answer):
            units[kind].append(unit), values[kind].append(value)
    return {kind: _agreement(kind, units[kind], values[kind], labels[kind]) for kind in MEASURES if labels[kind]}


def _agreement(kind: str, units: list, values: list, labels: int) -> Agreement:
    if not units:
        return Agreement(kind, None, None, labels, 0)
    compared = int((value_counts(units, values)[0].sum(axis=1) >= 2).sum())
    return Agreement(kind, _rounded(krippendorff_alpha(units, values, MEASURES[kind].level)),
                     _rounded(percent_agreement(units, values)), labels, compared)


def _rounded(value: float) -> float | None:
    return None if value != value else round(value, 3)
