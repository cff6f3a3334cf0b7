"""Nested counts (dicts of dicts of ints, JSON as stored): added and taken out, with the
zeros dropped so that a cell whose tasks all left is empty again."""


def add_into(target: dict, source: dict, sign: int = 1) -> dict:
    """target += sign * source, key by key, recursively; returns target."""
    for key, value in source.items():
        if isinstance(value, dict):
            inner = add_into(target.get(key) or {}, value, sign)
            if inner:
                target[key] = inner
            else:
                target.pop(key, None)
        else:
            total = target.get(key, 0) + sign * value
            if total:
                target[key] = total
            else:
                target.pop(key, None)
    return target


def total_of(parts) -> dict:
    """The sum of several nested counts."""
    result: dict = {}
    for part in parts:
        add_into(result, part)
    return result
