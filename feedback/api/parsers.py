"""JSON from API clients, taken only in a shape the server can hold.

Python's json module parses arrays nested 1,000 deep by recursing until RecursionError
(a 500), reads 1e999 as infinity (which no JSON column can store), and passes strings
with NUL or unpaired surrogates that Postgres refuses or UTF-8 cannot encode. Every
API body goes through BoundedJSONParser (settings: DEFAULT_PARSER_CLASSES), and JSON
sent inside a form field through BoundedJSONField, so each of these is a 400 that says
what and where."""
import codecs
import json
import math
import re

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnacceptableJSON(ValueError):
    """Parsed JSON the server does not take; the message says what and where."""


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise UnacceptableJSON(f"the number {text[:40]} is out of range for a float")
    return number


def _describe(character: str) -> str:
    return "a NUL character (\\u0000)" if character == "\x00" else f"an unpaired surrogate (\\u{ord(character):04x})"


def check_json(value, max_depth: int, root: str = "") -> None:
    """Raise UnacceptableJSON where parsed JSON nests deeper than `max_depth` containers
    or holds a string (or key) with NUL or an unpaired surrogate; `root` names the value
    in the message. Iterative, so a value of any depth is walked without recursing."""
    stack = [(value, 0, root)]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            bad = UNSTORABLE.search(item)
            if bad:
                raise UnacceptableJSON(f"{where or 'the value'} contains {_describe(bad.group())}")
        elif isinstance(item, float) and not math.isfinite(item):
            raise UnacceptableJSON(f"{where or 'the value'} is not a finite number")
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise UnacceptableJSON(f"nested deeper than {max_depth} levels at {where or 'the top'}")
            if isinstance(item, dict):
                for key, child in item.items():
                    path = f"{where}.{key}" if where else str(key)
                    bad = UNSTORABLE.search(key)
                    if bad:
                        raise UnacceptableJSON(f"a key in {where or 'the object'} contains {_describe(bad.group())}")
                    stack.append((child, depth + 1, path))
            else:
                stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))


def loads_checked(text: str, max_depth: int | None = None):
    """json.loads, strict (no NaN, Infinity or 1e999) and checked by check_json.
    Raises UnacceptableJSON, or ValueError for text that is not JSON."""
    max_depth = settings.API_MAX_JSON_DEPTH if max_depth is None else max_depth
    try:
        value = json.loads(text, parse_constant=strict_constant, parse_float=_finite)
    except RecursionError:
        raise UnacceptableJSON(f"nested deeper than {max_depth} levels") from None
    check_json(value, max_depth)
    return value


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads_checked(text)
        except UnacceptableJSON as error:
            raise ParseError(f"JSON not accepted: {error}.") from None
        except ValueError as error:  # not JSON, or not in the declared encoding
            raise ParseError(f"JSON parse error - {error}") from None


class BoundedJSONField(serializers.JSONField):
    """A JSON field that also takes JSON sent as a form field's text, bounded the same way."""

    default_error_messages = {"unacceptable": "JSON not accepted: {reason}."}

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            self.fail("unacceptable", reason=f"nested deeper than {settings.API_MAX_JSON_DEPTH} levels")
        try:
            check_json(value, settings.API_MAX_JSON_DEPTH, root=self.field_name or "")
        except UnacceptableJSON as error:
            self.fail("unacceptable", reason=str(error))
        return value
