"""The canonical-JSON fast path: a prompt's stored JSON text is written as it is only
when it is exactly what dumps would write; anything else is parsed and written again."""
import json

import pytest

from feedback.exports.json_text import dumps, messages_json


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "plain"}],
    [{"role": "user", "content": "quote \" backslash \\ newline \n tab \t bell \x07 é 𝔘"}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "two"}],
])
def test_stored_text_in_any_spelling_comes_out_as_dumps_writes_it(messages):
    for stored in (dumps(messages), json.dumps(messages), json.dumps(messages, separators=(",", ":")),
                   json.dumps(messages, indent=1)):
        assert messages_json(stored) == dumps(messages)


def test_numbers_take_the_slow_road_and_come_out_the_same():
    stored = '[{"role": "user", "content": "x", "n": 1.0e0}]'
    assert messages_json(stored) == dumps(json.loads(stored))
