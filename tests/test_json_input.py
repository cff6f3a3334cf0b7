"""feedback/json_input.py: JSON from outside decodes only to values we can store."""
import pytest

from feedback.json_input import MAX_DEPTH, JSONInputError, loads


@pytest.mark.parametrize("text, problem", [
    ('{"a": [1, NaN]}', "a[1] is NaN"),
    ('{"a": {"b": -1e999}}', "a.b is -Infinity"),
    ('["ok", "\\ud800"]', "[1] contains an unpaired surrogate (\\ud800)"),
    ('{"bad\\u0000key": 1}', "the key 'bad\\x00key' in the value contains a NUL character"),
    ('{"two words": [Infinity]}', '["two words"][0] is Infinity'),
    ("1" * 5000, "a number has more than 4300 digits"),
    ("[" * 100_000 + "]" * 100_000, f"nested deeper than {MAX_DEPTH} levels"),
    ('{"a": 1,}', "not valid JSON (Expecting property name enclosed in double quotes at column 9)"),
])
def test_what_cannot_be_stored_is_refused_by_place(text, problem):
    with pytest.raises(JSONInputError) as refused:
        loads(text)
    assert refused.value.problems[0].startswith(problem)


def test_nesting_up_to_the_bound_is_fine_and_one_more_is_not():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JSONInputError, match=r"^\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]… is nested deeper than 64 levels$"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_many_problems_are_counted_past_the_first_twenty():
    with pytest.raises(JSONInputError) as refused:
        loads("[" + ", ".join(["NaN"] * 25) + "]")
    assert len(refused.value.problems) == 21 and refused.value.problems[-1] == "and 5 more such problems"
