"""A codebook version's rubric: the aspects each response is rated on, and the one
check of a label's ratings against it.

A rubric is JSON stored on the codebook version (CodebookVersion.rubric), a list of
aspects, each:

    {"name": "helpfulness",                       # [a-z][a-z0-9_]*, unique in the rubric
     "question": "How well does it answer the request?",
     "scale": {"min": 1, "max": 5},                # whole numbers, 2 to 11 points
     "points": {"1": "Ignores the request", "5": "Fully answers it"},   # optional, any points
     "weight": 1.0,                                # optional, > 0: its share of the overall score
     "kinds": ["rate", "pair"]}                    # optional: the task kinds that carry it

A new rubric is a new codebook version, as any change to the guidelines is, so each
label's ratings are read against the rubric of the version it was given under.

Ratings inside an answer map each canonical position (as a string, like thumbs) to a
point for every aspect the task's kind carries:

    {"ratings": {"0": {"helpfulness": 4, "correctness": 5}, "1": {...}}}

A `rate` answer is only that; a pair or rank answer carries it beside its choice or
order when the rubric gives the kind aspects. The per-turn kind keys its ratings by
message index instead of position (the caller says which keys are valid).
"""
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from feedback.labelling.errors import InvalidAnswer

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MIN_POINTS, MAX_POINTS = 2, 11
DEFAULT_KINDS = ("rate",)
RUBRIC_KINDS = ("rate", "pair", "rank", "turns")
MAX_ASPECTS = 12
MAX_TEXT = 500


class InvalidRubric(ValueError):
    """A rubric that cannot be used, with a message saying what to change."""


@dataclass(frozen=True)
class Aspect:
    name: str
    question: str
    low: int
    high: int
    points: dict[int, str] = field(default_factory=dict)
    weight: float = 1.0
    kinds: tuple[str, ...] = DEFAULT_KINDS

    @property
    def scale(self) -> range:
        return range(self.low, self.high + 1)

    def describe(self, point: int) -> str:
        """What the codebook says a point means ("" where it says nothing)."""
        return self.points.get(point, "")

    def as_json(self) -> dict:
        return {"name": self.name, "question": self.question, "scale": {"min": self.low, "max": self.high},
                "points": {str(p): text for p, text in sorted(self.points.items())}, "weight": self.weight,
                "kinds": list(self.kinds)}


def parse_rubric(data) -> list[Aspect]:
    """The aspects of a rubric's JSON, or InvalidRubric naming the first thing wrong.
    None or [] is no rubric."""
    if data in (None, []):
        return []
    if not isinstance(data, list):
        raise InvalidRubric("A rubric is a list of aspects.")
    if len(data) > MAX_ASPECTS:
        raise InvalidRubric(f"A rubric has at most {MAX_ASPECTS} aspects.")
    aspects = [_parse_aspect(number, item) for number, item in enumerate(data, start=1)]
    names = [aspect.name for aspect in aspects]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InvalidRubric(f"Each aspect needs its own name: {', '.join(duplicated)} is used twice.")
    return aspects


def _parse_aspect(number: int, item) -> Aspect:
    where = f"Aspect {number}"
    if not isinstance(item, dict):
        raise InvalidRubric(f"{where} is not an object.")
    unknown = sorted(set(item) - {"name", "question", "scale", "points", "weight", "kinds"})
    if unknown:
        raise InvalidRubric(f"{where} has unknown fields: {', '.join(map(str, unknown))}.")
    name = item.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidRubric(f"{where}'s name is lower-case letters, digits and _, starting with a letter "
                            "(at most 40).")
    where = f"Aspect {name!r}"
    question = item.get("question", "")
    if not isinstance(question, str) or not question.strip() or len(question) > MAX_TEXT:
        raise InvalidRubric(f"{where} needs a question (at most {MAX_TEXT} characters).")
    scale = item.get("scale")
    low = scale.get("min") if isinstance(scale, dict) else None
    high = scale.get("max") if isinstance(scale, dict) else None
    if type(low) is not int or type(high) is not int or low < 0 or not MIN_POINTS <= high - low + 1 <= MAX_POINTS:
        raise InvalidRubric(f'{where}\'s scale is {{"min": whole number ≥ 0, "max": whole number}}, '
                            f"{MIN_POINTS} to {MAX_POINTS} points.")
    points = _parse_points(where, item.get("points", {}), low, high)
    weight = item.get("weight", 1.0)
    if type(weight) not in (int, float) or not _finite(weight) or weight <= 0:
        raise InvalidRubric(f"{where}'s weight is a number above 0.")
    kinds = item.get("kinds", list(DEFAULT_KINDS))
    if (not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds)
            or set(kinds) - set(RUBRIC_KINDS)):
        raise InvalidRubric(f"{where}'s kinds are some of {', '.join(RUBRIC_KINDS)}.")
    return Aspect(name, question.strip(), low, high, points, float(weight), tuple(dict.fromkeys(kinds)))


def _finite(number) -> bool:
    """A JSON number that fits a float (an int of 400 digits does not, and math.isfinite
    raises on it rather than answering)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _parse_points(where: str, points, low: int, high: int) -> dict[int, str]:
    if not isinstance(points, dict):
        raise InvalidRubric(f"{where}'s points map a point to what it means.")
    parsed = {}
    for key, text in points.items():
        # At most a few digits: int() of thousands of digits raises instead of answering.
        point = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 3 else None
        if point is None or not low <= point <= high:
            raise InvalidRubric(f"{where}'s points are on its scale, {low} to {high}: {str(key)[:20]!r} is not.")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise InvalidRubric(f"{where}'s point {point} is described in at most {MAX_TEXT} characters.")
        parsed[point] = text.strip()
    return parsed


def aspects_for(aspects: Iterable[Aspect], kind: str) -> list[Aspect]:
    """The aspects a task of this kind is rated on, in the rubric's order."""
    return [aspect for aspect in aspects if kind in aspect.kinds]


def valid_ratings(ratings, aspects: list[Aspect], keys: Iterable[str], *, what: str = "response") -> dict:
    """Ratings in the stored form ({key: {aspect: point}}, keys in the given order), or
    InvalidAnswer saying what is missing or off the scale. Every key is rated on every
    aspect: a half-rated response says nothing reliable about the others."""
    keys = list(keys)
    if not isinstance(ratings, dict):
        raise InvalidAnswer(f'Rate each {what} on {_names(aspects)}: "ratings" maps each {what} to its points.')
    unknown = [key for key in ratings if not isinstance(key, str) and type(key) is not int or str(key) not in keys]
    if unknown or len(ratings) != len(keys) or len({str(k) for k in ratings}) != len(ratings):
        raise InvalidAnswer(f'Rate each of the {len(keys)} {what}s, and only those: "ratings" has the keys '
                            f"{', '.join(keys)}.")
    by_key = {str(key): value for key, value in ratings.items()}
    stored = {}
    for key in keys:
        points = by_key[key]
        if not isinstance(points, dict) or set(points) != {aspect.name for aspect in aspects}:
            raise InvalidAnswer(f"Rate {what} {key} on every aspect, and only those: {_names(aspects)}.")
        stored[key] = {}
        for aspect in aspects:
            point = points[aspect.name]
            if type(point) is not int or point not in aspect.scale:
                raise InvalidAnswer(f"{aspect.name} is a whole number from {aspect.low} to {aspect.high}.")
            stored[key][aspect.name] = point
    return stored


def overall_score(points: dict[str, int], aspects: list[Aspect]) -> float:
    """One response's weighted score in [0, 1]: each aspect's point placed on its own
    scale (so a 1–5 and a 1–7 aspect count alike), weighted by the rubric."""
    total = sum(aspect.weight for aspect in aspects)
    return sum(aspect.weight * (points[aspect.name] - aspect.low) / (aspect.high - aspect.low)
               for aspect in aspects) / total


def _names(aspects: list[Aspect]) -> str:
    return ", ".join(aspect.name for aspect in aspects)


def rubric_of(codebook) -> list[Aspect]:
    """The aspects of a codebook version's rubric ([] for no version, or no rubric). A
    stored rubric was checked when it was saved (CodebookVersion.clean, codebook_publish)."""
    return parse_rubric(getattr(codebook, "rubric", None)) if codebook is not None else []


def position_keys(n_candidates: int) -> list[str]:
    """The ratings keys of a task's responses: their canonical positions, as strings."""
    return [str(position) for position in range(n_candidates)]


def rating_field(key, aspect: Aspect) -> str:
    """The form field that holds one response's point on one aspect (forms, templates)."""
    return f"rate_{key}_{aspect.name}"
