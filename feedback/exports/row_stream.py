"""The stream protocol between row builders and writers: rows as dicts, or the same
rows as JSON Lines text built without the dicts."""
from collections.abc import Iterator


class RowStream:
    """An iterator of row dicts that can also give the same rows as JSON Lines text,
    encoded without building the dicts (writers.jsonl_chunks asks for that). Either way
    of reading it may be used, once. `columns`: the extra columns its rows carry, when
    the builder settles them (the Parquet writer's schema follows them)."""

    def __init__(self, dicts, lines, columns=None):
        self._dicts, self._lines, self._iterator = dicts, lines, None
        if columns is not None:
            self.columns = tuple(columns)

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        if self._iterator is None:
            self._iterator = self._dicts()
        return next(self._iterator)

    def json_lines(self) -> Iterator[str]:
        """Each row as writers.jsonl_chunks would encode its dict (", " and ": ", no ASCII escaping)."""
        if self._iterator is not None:
            raise RuntimeError("rows already being read")
        self._iterator = iter(())
        return self._lines()

    def close(self) -> None:
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()
