"""render_markdown: a prompt's or a response's Markdown as safe HTML, code highlighted."""
import time
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template import Context, Template

from feedback.labelling.rendering import render_markdown


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would read the output."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def names(self) -> list[str]:
        return [tag for tag, _ in self.found]


def test_lists_tables_and_emphasis_render():
    html = render_markdown("Some **bold** and *slanted* words.\n\n1. one\n2. two\n\n- a\n- b\n\n"
                           "| Drink | mg |\n|:--|--:|\n| tea | 45 |\n")
    tags = Tags(html).names()
    assert "<strong>bold</strong>" in html and "<em>slanted</em>" in html
    assert tags.count("ol") == 1 and tags.count("ul") == 1 and tags.count("li") == 4
    assert {"table", "thead", "tbody", "th", "td"} <= set(tags)
    assert '<td align="right">45</td>' in html  # alignment as an attribute, no inline style
    assert "style" not in html


def test_fenced_code_gets_pygments_classes_not_styles():
    html = render_markdown("```python\ndef f(x):\n    return x  # done\n```\n")
    tags = Tags(html).found
    assert ("div", {"class": "codehilite"}) in tags and "pre" in Tags(html).names()
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert '<span class="c1"># done</span>' in html
    assert "style" not in html


def test_code_in_other_languages_and_without_one():
    sql = render_markdown("```sql\nSELECT name FROM t WHERE id = 1;\n```")
    assert '<span class="k">SELECT</span>' in sql
    plain = render_markdown("```\nx < y && y > z\n```")
    assert '<div class="codehilite">' in plain and "x &lt; y &amp;&amp; y &gt; z" in plain and 'class="k"' not in plain


def test_code_shows_html_in_it_as_text():
    html = render_markdown("```html\n<script>alert(1)</script>\n```\n\nand `<img src=x onerror=alert(1)>`")
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "before <script>alert(1)</script> after",
    "<div>\n<script>alert(1)</script>\n</div>",
])
def test_a_script_never_becomes_one(source):
    html = render_markdown(source)
    assert "script" not in Tags(html).names()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text it is


def test_raw_html_shows_as_text():
    html = render_markdown('Use <strong>tags</strong> and <a href="https://x.test" onclick="steal()">links</a>.\n\n'
                           '<div class="card" onmouseover="x()">block</div>')
    assert Tags(html).names() == ["p", "p"]
    assert "&lt;strong&gt;tags&lt;/strong&gt;" in html and "&lt;div class=" in html


@pytest.mark.parametrize("source", [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "![x](https://evil.test/a.png)",
    '![x](javascript:alert(1) "t")',
    "<svg onload=alert(1)>",
])
def test_no_event_handler_attribute_or_image_survives(source):
    found = Tags(render_markdown(source)).found
    assert all(not name.startswith("on") for _, attrs in found for name in attrs)
    assert not {"img", "svg"} & {tag for tag, _ in found}


@pytest.mark.parametrize("source", [
    "[click](javascript:alert(1))",
    "[click](JavaScript:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
])
def test_script_links_lose_their_target(source):
    for tag, attrs in Tags(render_markdown(source)).found:
        href = attrs.get("href", "") or ""
        assert not href.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_ordinary_links_stay_and_do_not_pass_the_opener():
    found = Tags(render_markdown("[docs](https://docs.python.org/3/) and <https://example.org>")).found
    links = [attrs for tag, attrs in found if tag == "a"]
    assert [link["href"] for link in links] == ["https://docs.python.org/3/", "https://example.org"]
    assert all("noopener" in link["rel"] for link in links)


def test_the_only_classes_are_pygments_tokens_for_code_css():
    html = render_markdown('<span class="evil">x</span>\n\n```python\n@cache\ndef f(x="s"):\n    return 1.5\n```')
    classes = {attrs["class"] for _, attrs in Tags(html).found if "class" in attrs}
    assert classes and classes <= {"codehilite", "k", "nf", "n", "p", "o", "s2", "mf", "nd", "w", "kc", "sd", "c1"}
    code_css = (settings.BASE_DIR / "static" / "css" / "code.css").read_text()
    assert all(f".codehilite .{name} " in code_css for name in classes - {"codehilite", "n", "p"})


def test_empty_and_missing_text():
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_a_response_renders_fast_enough_for_a_page():
    # A few KB of prose and code, uncached (each text is new): a page shows several.
    body = "Some *text* with `code`.\n\n```python\n" + "def f(x):\n    return x * 2\n" * 60 + "```\n\n- a\n- b\n"
    started = time.perf_counter()
    for i in range(20):
        render_markdown(f"{i}\n\n{body}")
    assert (time.perf_counter() - started) / 20 < 0.05


def test_the_template_filter_marks_the_sanitized_html_safe():
    out = Template("{% load rendering %}{{ text|rendered }}").render(Context({"text": "**hi** <b>x</b>"}))
    assert out == "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>"


@pytest.mark.parametrize("source", [
    "[" * 20_000,  # each unclosed "[" searched to the paragraph's end: over a minute if rendered
    "![" * 10_000,
    "[a](" * 5_000,
    "[a][" * 5_000,
    "[" * 5_000 + "]" * 5_000,
    "".join("  " * depth + "- x\n" for depth in range(500)),  # deeper than Python's recursion
])
def test_text_markdown_cannot_render_in_time_shows_as_plain_text(source):
    started = time.perf_counter()
    html = render_markdown(source + " <script>alert(1)</script>")
    assert time.perf_counter() - started < 5  # the deep list takes about a second to fail
    assert html.startswith('<div class="unrendered">') and "<script" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("source", [
    "See [1] and [2], and [the docs](https://docs.python.org/3/) (in English).",
    "- [ ] to do\n- [x] done\n" * 100,
    "Result: " + "[1, 2], " * 3_000,
    "```python\n" + "grid = [[0] * 8 for _ in range(8)]\n" * 400 + "```\n",
])
def test_ordinary_brackets_still_render(source):
    assert not render_markdown(source).startswith('<div class="unrendered">')
