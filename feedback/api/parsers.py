"""JSON from API clients, decoded by feedback.json_input (the one checker): NaN,
Infinity, numbers past a float, NUL characters, unpaired surrogates and nesting deeper
than json_input.MAX_DEPTH are a 400 that names the place, never a 500 later. Every API
body goes through StorableJSONParser (settings: DEFAULT_PARSER_CLASSES), and JSON sent
as a form field's text through StorableJSONField."""
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from feedback.json_input import MAX_DEPTH, JSONInputError, loads, problems


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not {encoding} text (byte offset {error.start})") from None
        try:
            return loads(text)
        except JSONInputError as error:
            raise ParseError(f"JSON parse error - {error}") from None


class StorableJSONField(serializers.JSONField):
    """A JSON field that also takes JSON sent as a form field's text, checked the same way."""

    default_error_messages = {"unstorable": "JSON not accepted: {reason}."}

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            self.fail("unstorable", reason=f"nested deeper than {MAX_DEPTH} levels")
        found = problems(value)
        if found:
            self.fail("unstorable", reason="; ".join(found))
        return value
