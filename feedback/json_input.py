"""JSON from outside (import lines, API bodies), decoded only to values we can store.

Python's json module accepts input that fails later, far from where it came in:
- `NaN`, `Infinity`, `-Infinity`, and numbers such as `1e999` that overflow to infinity,
  decode to floats that Postgres' jsonb refuses at write time (an IntegrityError with no
  line number);
- `"\\u0000"` and unpaired surrogates (`"\\ud800"`) decode to strings that Postgres cannot
  store and that do not encode as UTF-8;
- input nested about 1,000 deep raises RecursionError, and anything deep enough to decode
  can still exhaust the stack in code that walks it later (json.dumps, a serializer).

`loads` refuses all of these, naming each problem's place in the value, so that callers
answer with a 4xx and a message. MAX_DEPTH is the one bound on nesting.
"""
import json
import math
import re
import sys
from typing import Any

# Containers inside containers: an import line is 4 deep at its candidates' sampling
# settings; 64 leaves room for any metadata while staying far from the stack's limit.
MAX_DEPTH = 64
# Report this many problems of one value; the rest are counted.
MAX_PROBLEMS = 20
# Places are named by their first few steps ("metadata.x[0][0]…"), not 64 of them.
PATH_STEPS_SHOWN = 6

_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class JSONInputError(ValueError):
    """Input that is not JSON we can store; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def loads(text: str) -> Any:
    """Decode `text`, or raise JSONInputError listing every problem found."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"column {error.colno}" if error.lineno == 1 else f"line {error.lineno} column {error.colno}"
        raise JSONInputError([f"not valid JSON ({error.msg} at {where})"]) from None
    except RecursionError:
        raise JSONInputError([f"nested deeper than {MAX_DEPTH} levels"]) from None
    except ValueError:
        # int() refuses integers of more than sys.get_int_max_str_digits() digits.
        raise JSONInputError([f"a number has more than {sys.get_int_max_str_digits()} digits"]) from None
    found = problems(value)
    if found:
        raise JSONInputError(found)
    return value


def problems(value: Any) -> list[str]:
    """Every reason why `value` (as json.loads returns it) cannot be stored, by place.

    Walks with an explicit stack, so any depth is safe to inspect."""
    found: list[str] = []
    count = 0
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        problem = None
        if isinstance(node, float):
            if not math.isfinite(node):
                problem = f"{_name(path)} is {_float_name(node)}; JSON numbers must be finite (use null or a string)"
        elif isinstance(node, str):
            problem = _string_problem(node, _name(path))
        elif isinstance(node, (dict, list)):
            if depth >= MAX_DEPTH:
                problem = f"{_name(path)} is nested deeper than {MAX_DEPTH} levels"
            elif isinstance(node, dict):
                for key, child in reversed(node.items()):
                    key_problem = _string_problem(key, f"the key {key[:40]!r} in {_name(path)}")
                    if key_problem:
                        count += 1
                        if len(found) < MAX_PROBLEMS:
                            found.append(key_problem)
                    stack.append((child, _child_path(path, key, depth), depth + 1))
            else:
                for index in range(len(node) - 1, -1, -1):
                    stack.append((node[index], _child_path(path, index, depth), depth + 1))
        if problem:
            count += 1
            if len(found) < MAX_PROBLEMS:
                found.append(problem)
    if count > len(found):
        found.append(f"and {count - len(found)} more such problems")
    return found


def _string_problem(text: str, name: str) -> str | None:
    match = _UNSTORABLE_CHARACTER.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return f"{name} contains a NUL character (\\u0000), which cannot be stored"
    return f"{name} contains an unpaired surrogate (\\u{ord(match.group()):04x}), which is not text"


def _float_name(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    # A number too large for a double (1e999) decodes to infinity too.
    return "Infinity (or too large a number)" if number > 0 else "-Infinity (or too large a negative number)"


def _child_path(path: str, key: str | int, depth: int) -> str:
    if depth >= PATH_STEPS_SHOWN:
        return path if depth > PATH_STEPS_SHOWN else f"{path}…"
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key[:40])}]"


def _name(path: str) -> str:
    return path or "the value"
