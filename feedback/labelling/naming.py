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


def canonical_text(answer) -> str:
    """A stored answer in one line, responses in the task's own order: "Response 2
    (clearly better)", "3 > 1 > 2" (best first), "Response 1 up · Response 2 down",
    "Turn 2 up · Turn 4 down"."""
    if not isinstance(answer, dict):
        return "—"
    try:
        if "choice" in answer:
            name = CHOICE_NAMES.get(answer["choice"], str(answer["choice"]))
            strength = STRENGTH_WORDS.get(answer.get("strength"))
            return f"{name} ({strength} better)" if strength else name
        if "order" in answer:
            return rank_numbers(answer.get("order") or []) or "—"
        if "turns" in answer:  # turns are named alike on every page: by their place in the conversation
            return " · ".join(f"Turn {int(index) + 1} {turn['thumb']}" for index, turn
                              in sorted(answer["turns"].items(), key=lambda kv: int(kv[0]))) or "—"
        thumbs = answer.get("thumbs") or {}
        return " · ".join(f"{response_name(position)} {thumb}" for position, thumb
                          in sorted(thumbs.items(), key=lambda kv: int(kv[0]))) or "—"
    except (TypeError, ValueError, AttributeError):
        return json.dumps(answer, sort_keys=True)  # a row that does not fit its kind
