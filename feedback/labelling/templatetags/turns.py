"""{% load turns %}: `{% chat_history messages as chat %}` splits a chat prompt into the
turns folded away (chat.earlier) and those shown (chat.recent), as
feedback.labelling.turns.history_split does."""
from django import template

from feedback.labelling.turns import history_split

register = template.Library()


@register.simple_tag
def chat_history(messages) -> dict:
    earlier, recent = history_split(messages or [])
    return {"earlier": earlier, "recent": recent}
