"""{% load rendering %}: `{{ text|rendered }}` shows Markdown as the page's HTML."""
from django import template
from django.utils.safestring import mark_safe

from feedback.labelling.rendering import render_markdown

register = template.Library()


@register.filter
def rendered(text) -> str:
    # Safe to mark safe: render_markdown's output is sanitized (see rendering.py).
    return mark_safe(render_markdown(str(text or "")))
