"""How pages name responses, pair choices and stored answers, in one place.

Reviewer pages (and the stored form beside a label as seen) number responses by
canonical position counting from 1: "Response 1" is position 0 (a pair's A), whatever
order each annotator saw them in. Annotators' own pages number responses as shown to
them (feedback.labelling.as_seen); the stored display order links the two."""
import json

CHOICE_NAMES = {"A": "Response 1", "B": "Response 2", "tie": "Tie", "both_bad": "Both bad"}
CHOICE_POSITIONS = {"A": 0, "B": 1}  # the response each winning choice picks
STRENGTH_WORDS = {1: "slightly", 2: "clearly", 3: "much"}


def response_name(position) -> str:
    return f"Response {int(position) + 1}"


def rank_numbers(order) -> str:
    """A ranking's canonical positions as response numbers, best first: [2, 0, 1] → "3 > 1 > 2"."""
    return " > ".join(str(int(position) + 1) for position in order)


def points_text(points: dict, aspects=()) -> str:
    """One response's ratings: "helpfulness 4/5, correctness 3/5" (each aspect's top point
    where the rubric, `aspects`, is known; the stored order otherwise)."""
    scale = {aspect.name: aspect.high for aspect in aspects}
    names = [aspect.name for aspect in aspects if aspect.name in points] + sorted(set(points) - set(scale))
    return ", ".join(f"{name} {points[name]}/{scale[name]}" if name in scale else f"{name} {points[name]}"
                     for name in names)


def ratings_text(ratings: dict, aspects=(), name=response_name) -> str:
    """Every response's ratings, in the task's own order (or as `name` numbers them):
    "Response 1: helpfulness 4/5 · Response 2: helpfulness 2/5"."""
    return " · ".join(f"{name(key)}: {points_text(points, aspects)}"
                      for key, points in sorted(ratings.items(), key=lambda kv: int(kv[0])))


def canonical_text(answer, aspects=()) -> str:
    """A stored answer in one line, responses in the task's own order: "Response 2
    (clearly better)", "3 > 1 > 2" (best first), "Response 1 up · Response 2 down",
    "Response 1: helpfulness 4/5, correctness 3/5" (ratings, also after a pick or a rank);
    "Turn 2 up · Turn 4 down"."""
    if not isinstance(answer, dict):
        return "—"
    try:
        unrated = _unrated_text(answer)
        ratings = answer.get("ratings")
        if not isinstance(ratings, dict):
            return unrated
        rated = ratings_text(ratings, aspects) or "—"
        return f"{unrated}; {rated}" if unrated else rated
    except (TypeError, ValueError, AttributeError):
        return json.dumps(answer, sort_keys=True)  # a row that does not fit its kind


def _unrated_text(answer: dict) -> str:
    """The pick, rank or thumbs of an answer ("" for a rate answer: ratings only)."""
    if "choice" in answer:
        name = CHOICE_NAMES.get(answer["choice"], str(answer["choice"]))
        strength = STRENGTH_WORDS.get(answer.get("strength"))
        return f"{name} ({strength} better)" if strength else name
    if "order" in answer:
        return rank_numbers(answer.get("order") or []) or "—"
    if "turns" in answer:  # turns are named alike on every page: by their place in the conversation
        return " · ".join(f"Turn {int(index) + 1} {turn['thumb']}" for index, turn
                          in sorted(answer["turns"].items(), key=lambda kv: int(kv[0]))) or "—"
    if "ratings" in answer and "thumbs" not in answer:
        return ""
    thumbs = answer.get("thumbs") or {}
    return " · ".join(f"{response_name(position)} {thumb}" for position, thumb
                      in sorted(thumbs.items(), key=lambda kv: int(kv[0]))) or "—"
