"""JSON text as the exports write it (", " and ": ", no ASCII escaping), and the fast
path that reuses a prompt's stored JSON text where it is already exactly that."""
import json
import re

dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode

# Exactly what json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) writes when it
# contains no numbers: strings with only the escapes Python writes, the ", " and ": "
# separators, no other whitespace. A prompt's stored JSON text that matches is written
# as it is; anything else (numbers, ASCII-escaped text from SQLite, ...) is parsed and
# written again, so the bytes never depend on which way a row went.
_CANONICAL_JSON = re.compile(
    r'(?:"[^"\\\x00-\x1f]*(?:\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))[^"\\\x00-\x1f]*)*"|[\[\]{}]|, |: |true|false|null)*'
).fullmatch

# An assistant turn's opening, up to its content: [{"role": "assistant", "content": <text>}]
ASSISTANT = '[{"role": "assistant", "content": '


def messages_json(messages: str) -> str:
    """Stored JSON text of a message list, as dumps would write it."""
    return messages if _CANONICAL_JSON(messages) else dumps(json.loads(messages))
