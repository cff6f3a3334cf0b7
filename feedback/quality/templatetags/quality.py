"""`{{ answer|answer_text }}`: a label's or final answer's canonical form, for people,
with responses named as on every reviewer page (see feedback.labelling.naming)."""
from django import template

from feedback.labelling.naming import canonical_text

register = template.Library()
register.filter("answer_text", canonical_text)


@register.filter
def response_numbers(positions) -> str:
    """A display order (canonical positions as shown) as response numbers: [1, 0] → "2, 1"."""
    return ", ".join(str(int(position) + 1) for position in positions or []) or "—"
