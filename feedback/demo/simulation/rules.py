"""Preference rules: (prompt text, response text) → score, higher is better.

A rule is named by its dotted path (e.g. "feedback.demo.simulation.rules.prefer_shorter")
so any importable function can be one. The shipped ones are cheap and checkable by eye.
"""
import importlib
import re
from typing import Callable

Rule = Callable[[str, str], float]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
LONG_WORD = 7  # letters; "explain", "because" and longer count as hard words


def prefer_shorter(prompt: str, response: str) -> float:
    """Shorter answers win (length in characters)."""
    return -float(len(response.strip()))


def prefer_simple_words(prompt: str, response: str) -> float:
    """Simpler vocabulary wins: the smaller the share of long words (LONG_WORD letters or
    more), the better, as for "explain it in simple terms". Not about length: a share,
    so a long answer in short words beats a brief one full of jargon. An answer with no
    words at all scores worst."""
    words = _WORD.findall(response)
    if not words:
        return -2.0  # below any answer with words (those score -1 at worst)
    return -sum(len(word) >= LONG_WORD for word in words) / len(words)


SHIPPED = {"shorter": prefer_shorter, "simple": prefer_simple_words}


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
