"""Hypothesis strategies for what clients send, page forms and API bodies alike.

Each one mixes plausible values (so that requests get past the first check and into
the views and services) with the kinds that have broken the server before: numbers
past the database's integer range, JSON nested 1,000 deep, NaN and Infinity, NUL and
unpaired surrogates, other unicode, wrong types, empty and missing fields."""
import json
import os
import uuid
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# How many examples each property runs. CI's default keeps the whole layer to about a
# minute on 2 cores; FUZZ_EXAMPLES=250 (say) runs a bigger search.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def fuzz_settings(examples: int = EXAMPLES):
    """Settings for a property over HTTP requests: no deadline (a request's time varies
    with the machine), no example database on disk, and derandomized unless a bigger
    run was asked for, so that CI's run is the same every time."""
    return settings(
        max_examples=examples, deadline=None, database=None, derandomize="FUZZ_EXAMPLES" not in os.environ,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# Numbers at and past the edges of the database's integer columns.
EDGE_INTS = [0, -1, 1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1]


def huge_ints():
    return st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=2**31, max_value=2**80),
                     st.integers(max_value=-1, min_value=-(2**80)))


def weighted(*options):
    """One of several strategies, by weight: `weighted((3, a), (1, b))` draws from `a`
    three times as often as from `b`."""
    strategies = [strategy for weight, strategy in options for _ in range(weight)]
    return st.integers(0, len(strategies) - 1).flatmap(lambda i: strategies[i])


def path_ids(known: list[int], *, unknown: int = 1):
    """A number in a URL: mostly one that names a row (the caller's or someone
    else's), else one outside every column's range (one in `unknown` + 3)."""
    return weighted((3, st.sampled_from(known)), (unknown, huge_ints().filter(lambda n: n >= 0)))


def number_texts():
    """Numbers as a form or a URL carries them, right or wrong."""
    return st.one_of(
        huge_ints().map(str),
        st.sampled_from(["", " ", "0", "007", "+1", "1.5", "1e3", "1e999", "NaN", "-0", "²", "٣", "1_000", "0x10",
                         "9" * 25, "9" * 5000]),
    )


# Characters that the database or the UTF-8 codec refuse, and other unusual unicode.
NASTY_STRINGS = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\ufeff", "\u202e", "𝔘𝔫𝔦", "日本語", "\r\n",
                 "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd", "x" * 30_000]


def nasty_text(max_size: int = 40):
    everything = st.characters(exclude_categories=())  # surrogates and controls included
    return st.one_of(st.sampled_from(NASTY_STRINGS), st.text(everything, max_size=max_size), st.text(max_size=max_size))


def plain_text(max_size: int = 40):
    """Text a person might type (any script, no NUL or surrogates); wrong values come
    from nasty_text where a field is broken."""
    return st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=max_size)


def deep_json_text(min_depth: int = 65, max_depth: int = 5000):
    """JSON text nested `depth` containers deep (past the parser's bound, up to past
    Python's recursion limit), arrays or objects, optionally around a plausible value."""
    def build(depth: int, opener: str) -> str:
        closer = {"[": "]", '{"a":': "}"}[opener]
        return opener * depth + "1" + closer * depth

    return st.builds(build, st.integers(min_value=min_depth, max_value=max_depth), st.sampled_from(["[", '{"a":']))


def deep_value(min_depth: int = 65, max_depth: int = 300):
    """A Python value nested past the parser's bound, shallow enough for json.dumps."""
    def build(depth: int):
        value = 1
        for _ in range(depth):
            value = [value]
        return value

    return st.builds(build, st.integers(min_value=min_depth, max_value=max_depth))


def json_scalars():
    return st.one_of(
        st.none(), st.booleans(), huge_ints(), st.integers(min_value=-5, max_value=5),
        st.floats(allow_nan=True, allow_infinity=True), nasty_text(),
    )


def json_values(max_leaves: int = 8):
    """Any JSON value, wrong types and awkward scalars included (NaN and Infinity are
    sent as the bare tokens Python's json writes)."""
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(nasty_text(12), children, max_size=4)),
        max_leaves=max_leaves,
    )


def _object(plausible: dict, wrong, extra):
    """Every field plausible except (usually) none, one or two: those get a wrong value
    or are left out. Sometimes a stray field comes along. One broken field at a time is
    what gets a request past the others' checks to the one under test."""
    @st.composite
    def build(draw):
        broken = draw(st.sets(st.sampled_from(sorted(plausible)), max_size=2)) if plausible else set()
        value = {}
        for name, strategy in plausible.items():
            if name not in broken:
                value[name] = draw(strategy)
            elif draw(st.integers(0, 2)):
                value[name] = draw(wrong.get(name, wrong.get(None)))
        if draw(st.integers(0, 9)) == 0:
            value.update(draw(extra))
        return value

    return build()


def body_of(plausible: dict, wrong: dict | None = None):
    """A JSON object from per-field strategies of plausible values; a broken field gets
    any JSON value, or what `wrong` gives for it."""
    return _object(plausible, {None: json_values(), **(wrong or {})},
                   st.dictionaries(nasty_text(12), json_values(4), max_size=2))


def encode_json(value) -> bytes:
    """The bytes a client sends. ensure_ascii writes an unpaired surrogate as its \\u
    escape, as JSON allows; NaN and Infinity go as Python's bare tokens."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode("ascii")


def raw_json_bodies():
    """Bodies that are not a JSON object a serializer would see: nesting past any bound,
    bare NaN and 1e999, huge numbers, invalid UTF-8, truncated or empty text."""
    return st.one_of(
        deep_json_text().map(str.encode),
        deep_json_text().map(lambda inner: b'{"answer": ' + inner.encode() + b"}"),
        st.sampled_from([b"", b"null", b"[]", b"NaN", b"1e999", b'{"a": 1e999}', b"-Infinity", b"9" * 5000,
                         b"\xff\xfe\x00", b'{"a": "\xed\xa0\x80"}', b'{"a": ', b'"\\ud800"', b'{"\\u0000": 1}']),
    )


def form_values():
    """What a form field may carry: text of any kind, numbers right or wrong."""
    return st.one_of(nasty_text(), number_texts())


def form_of(plausible: dict):
    """Form fields from per-field strategies of plausible text; a broken field gets any
    form value (text of any kind, numbers right or wrong) or is left out."""
    return _object(plausible, {None: form_values()}, st.dictionaries(st.text(max_size=8), form_values(), max_size=2))


def urlencode_form(data: dict) -> bytes:
    """application/x-www-form-urlencoded bytes as a browser sends them. A lone surrogate
    goes out as the bytes UTF-8 would give it (invalid UTF-8 on the wire), which is how a
    client can send one at all."""
    def part(text) -> str:
        return quote_from_bytes(str(text).encode("utf-8", "surrogatepass"), safe="")

    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{part(key)}={part(item)}")
    return "&".join(pairs).encode("ascii")


def uuids():
    return st.one_of(st.uuids().map(str), st.just(str(uuid.UUID(int=0))))
