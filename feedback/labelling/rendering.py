"""Markdown → safe HTML, the one way the site renders text people or models wrote.

Model responses, prompts and the codebook are Markdown: lists, tables, emphasis and
fenced code, which Pygments highlights with CSS classes (static/css/code.css), never
inline styles. Raw HTML in the source is not markup here: a model that writes
`<script>` or `<img onerror=...>` is talking about HTML, so it shows as text. nh3 then
cleans the output against a short list of tags, attributes and classes, so nothing the
Markdown library lets through (a `javascript:` link, an image from anywhere) reaches
the page.
"""
import re
from functools import lru_cache

import markdown
import nh3
from django.utils.html import escape
from markdown.extensions import Extension
from pygments.token import STANDARD_TYPES

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "kbd",
    "div", "span",
}
HIGHLIGHT_CLASS = "codehilite"  # the box around a highlighted code block, styled by code.css
# Every class Pygments' HTML formatter gives a token ("k" keyword, "s2" string, ...).
TOKEN_CLASSES = {name for name in STANDARD_TYPES.values() if name}
ALLOWED_CLASSES = {"div": {HIGHLIGHT_CLASS}, "span": TOKEN_CLASSES}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"}, "td": {"align"},  # a table column's alignment (":--:" in the source)
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "codehilite"]
EXTENSION_CONFIGS = {
    # No guessing: a block without a language stays plain text, not a wrong colouring.
    "codehilite": {"css_class": HIGHLIGHT_CLASS, "guess_lang": False, "use_pygments": True},
    "tables": {"use_align_attribute": True},  # an attribute, not a style
}


class RawHtmlAsText(Extension):
    """Python-Markdown passes raw HTML through; without its two HTML readers an HTML
    tag in the source is ordinary text, escaped like any other."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


# Python-Markdown looks for the end of a link from every "[" on, to its "]" or else to
# the end of the paragraph, and likewise for an address after "](": many unclosed
# brackets take time in the square of the paragraph's length, minutes for a long one.
# That search, in characters, is estimated first (code is not searched, so it is left
# out), and a text over the budget, a small fraction of a second, shows as plain text.
LINK_SEARCH_BUDGET = 400_000
FENCED_OR_INLINE_CODE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1|`[^`\n]*`", re.MULTILINE | re.DOTALL)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
BRACKET = re.compile(r"[\[\]]")
LINK_ADDRESS = re.compile(r"\]\(")


def render_markdown(text: str) -> str:
    """Markdown → sanitized HTML, safe to mark safe. Cached: the same response is shown
    to each of its annotators and reviewers, and a page shows several."""
    return _render(text or "")


@lru_cache(maxsize=256)  # bounded: a big code answer renders to several times its size
def _render(text: str) -> str:
    if _link_search_cost(text) > LINK_SEARCH_BUDGET:
        return _plain(text)
    try:
        html = markdown.markdown(text, extensions=[*EXTENSIONS, RawHtmlAsText()], extension_configs=EXTENSION_CONFIGS)
    except RecursionError:  # lists or quotes nested hundreds deep
        return _plain(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def _link_search_cost(text: str) -> int:
    cost = 0
    for paragraph in PARAGRAPH_BREAK.split(FENCED_OR_INLINE_CODE.sub("", text)):
        opened = []
        for bracket in BRACKET.finditer(paragraph):
            if bracket.group() == "[":
                opened.append(bracket.start())
            elif opened:
                cost += bracket.start() - opened.pop()
        cost += sum(len(paragraph) - start for start in opened)
        # And from every "](" to its ")": a link's address, searched the same way.
        for address in LINK_ADDRESS.finditer(paragraph):
            end = paragraph.find(")", address.end())
            cost += (end if end != -1 else len(paragraph)) - address.start()
            if cost > LINK_SEARCH_BUDGET:
                break  # known already; don't search the rest
    return cost


def _plain(text: str) -> str:
    """The text as it is, for one Markdown cannot render in a page's time."""
    return f'<div class="unrendered">{escape(text)}</div>'
