"""How reviewer pages name responses and pair choices, in one place.

Responses are numbered by canonical position counting from 1: "Response 1" is position 0
(a pair's A), whatever order each annotator saw them in. Annotators' own pages number
responses as shown to them; the stored display order links the two."""

CHOICE_NAMES = {"A": "Response 1", "B": "Response 2", "tie": "Tie", "both_bad": "Both bad"}
CHOICE_POSITIONS = {"A": 0, "B": 1}  # the response each winning choice picks


def response_name(position) -> str:
    return f"Response {int(position) + 1}"
