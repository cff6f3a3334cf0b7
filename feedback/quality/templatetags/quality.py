"""`{{ answer|answer_text }}`: a label's or final answer's canonical form, for people."""
from django import template

register = template.Library()


@register.filter
def answer_text(answer) -> str:
    if not isinstance(answer, dict):
        return "—"
    if "choice" in answer:
        strength = answer.get("strength")
        return f"{answer['choice']}{f' (strength {strength})' if strength else ''}"
    if "order" in answer:
        return " > ".join(map(str, answer.get("order") or [])) or "—"
    thumbs = answer.get("thumbs") or {}
    return " ".join(f"{position}:{thumb}" for position, thumb in sorted(thumbs.items())) or "—"
