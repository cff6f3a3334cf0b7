"""The ranges of the database's integer columns, for everything that takes a number
from a client (URL, query parameter, form or API body) and hands it to a query.

A number outside its column's range never matches a row, but it does not get that far:
SQLite refuses to bind an int above 2**63 - 1 (OverflowError) and Postgres answers
"bigint out of range" or "integer out of range" (DataError), a 500 either way. So every
entry point bounds its numbers by the column they reach and answers 404 or 400."""

# BigAutoField ids (DEFAULT_AUTO_FIELD) and BigIntegerField columns.
BIGINT_MAX = 2**63 - 1
# IntegerField, PositiveIntegerField (codebook and adapter versions) and the AutoField
# ids of Django's own apps (auth users).
INT_MAX = 2**31 - 1


def whole_number(text: str, maximum: int = BIGINT_MAX) -> int | None:
    """`text` as a whole number from 0 to `maximum`, or None: not ASCII digits (str.isdigit
    also takes "²", which int() refuses), or too large for the column."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None
