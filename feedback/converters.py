"""Path converters for numbers that name rows: `<id:...>` for our ids (BigAutoField),
`<int32:...>` for versions (PositiveIntegerField) and auth users' ids (AutoField).

Django's `<int:...>` matches any run of digits, so /label/99999999999999999999/submit/
reached the database and failed there (see feedback.bounds). These match only numbers
the column can hold; anything else does not match the route, which is a 404."""
from django.urls import register_converter

from feedback.bounds import BIGINT_MAX, INT_MAX


class _BoundedInt:
    maximum: int
    # At most as many digits as the maximum has: no int() of a million-digit string.
    regex: str

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= self.maximum:
            raise ValueError(f"{value} is outside 1..{self.maximum}")  # Django: no match
        return number

    def to_url(self, value) -> str:
        return str(value)


class DatabaseId(_BoundedInt):
    maximum = BIGINT_MAX
    regex = f"[0-9]{{1,{len(str(BIGINT_MAX))}}}"


class DatabaseInt32(_BoundedInt):
    maximum = INT_MAX
    regex = f"[0-9]{{1,{len(str(INT_MAX))}}}"


def register() -> None:
    """Called once, by the root URLconf, before any app's patterns are built."""
    register_converter(DatabaseId, "id")
    register_converter(DatabaseInt32, "int32")
