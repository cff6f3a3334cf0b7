"""`{{ answer|answer_text }}`: a label's or final answer's canonical form, for people,
with responses named as on every reviewer page (see feedback.quality.naming)."""
from django import template

from feedback.quality.naming import CHOICE_NAMES, response_name

register = template.Library()

STRENGTH_WORDS = {1: "slightly", 2: "clearly", 3: "much"}


@register.filter
def answer_text(answer) -> str:
    if not isinstance(answer, dict):
        return "—"
    if "choice" in answer:
        name = CHOICE_NAMES.get(answer["choice"], str(answer["choice"]))
        strength = STRENGTH_WORDS.get(answer.get("strength"))
        return f"{name} ({strength} better)" if strength else name
    if "order" in answer:
        return " > ".join(str(position + 1) for position in answer.get("order") or []) or "—"
    thumbs = answer.get("thumbs") or {}
    return " · ".join(f"{response_name(position)} {thumb}" for position, thumb
                      in sorted(thumbs.items(), key=lambda kv: int(kv[0]))) or "—"


@register.filter
def response_numbers(positions) -> str:
    """A display order (canonical positions as shown) as response numbers: [1, 0] → "2, 1"."""
    return ", ".join(str(int(position) + 1) for position in positions or []) or "—"
