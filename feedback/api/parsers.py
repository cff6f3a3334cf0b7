"""JSON bodies decoded by feedback.json_input: NaN, Infinity, NUL characters and nesting
deeper than json_input.MAX_DEPTH are a 400 that names the place, never a 500 later."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from feedback.json_input import JSONInputError, loads


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
