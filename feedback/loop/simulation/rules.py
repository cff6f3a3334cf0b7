"""Preference rules: (prompt text, response text) → score, higher is better.

A rule is named by its dotted path (e.g. "feedback.loop.simulation.rules.prefer_shorter")
so any importable function can be one. The shipped ones are cheap and checkable by eye.
"""
import importlib
import re
from typing import Callable

Rule = Callable[[str, str], float]

_MARKDOWN = re.compile(r"(\*\*|__|^#{1,6}\s|^\s*[-*+]\s|^\s*\d+[.)]\s|`)", re.MULTILINE)


def prefer_shorter(prompt: str, response: str) -> float:
    """Shorter answers win (length in characters)."""
    return -float(len(response.strip()))


def prefer_plain_text(prompt: str, response: str) -> float:
    """Answers without Markdown (bold, headings, bullet or numbered lists, code ticks) win;
    not about length: a long plain answer beats a short bulleted one."""
    return -float(len(_MARKDOWN.findall(response)))


SHIPPED = {"shorter": prefer_shorter, "plain": prefer_plain_text}


def rule_load(name: str) -> Rule:
    """A shipped rule's short name, or a dotted path to any (prompt, response) → score."""
    if name in SHIPPED:
        return SHIPPED[name]
    module, _, attribute = name.rpartition(".")
    if not module:
        raise ValueError(f"unknown rule {name!r}: use {', '.join(SHIPPED)} or a dotted path")
    try:
        rule = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"cannot load rule {name!r}: {error}") from None
    if not callable(rule):
        raise ValueError(f"rule {name!r} is not callable")
    return rule
