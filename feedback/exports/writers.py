"""File formats: JSON Lines (streamed), Parquet (row groups), and a directory that
`datasets.load_from_disk` reads. Each writer hashes exactly the bytes it writes."""
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from feedback.exports.json_text import dumps

FORMATS = ("jsonl", "parquet", "datasets")
PARQUET_BATCH = 5000


def jsonl_chunks(rows: Iterable[dict], hasher=None, *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """Rows → UTF-8 JSON Lines, a few hundred rows per chunk (a streaming response body).
    Rows that can give their own JSON text (row_stream.RowStream) skip building dicts; the
    bytes are the same either way."""
    json_lines = getattr(rows, "json_lines", None)
    lines = json_lines() if json_lines is not None else map(dumps, rows)
    while buffer := list(islice(lines, rows_per_chunk)):
        chunk = ("\n".join(buffer) + "\n").encode("utf-8")
        if hasher is not None:
            hasher.update(chunk)
        yield chunk


def write_jsonl(rows: Iterable[dict], path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "wb") as out:
        for chunk in jsonl_chunks(rows, hasher):
            out.write(chunk)
    return hasher.hexdigest()


def _schema(dataset: str, form: str, columns, fields=()):
    """The Arrow schema of a dataset's rows; `fields`: (name, Arrow type name) of the
    columns a row stream settles itself (the ratings rows' aspects)."""
    import pyarrow as pa

    message = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    text = message if form == "conversational" else pa.string()
    base = {
        "preference": [("prompt", text), ("chosen", text), ("rejected", text)],
        "unpaired": [("prompt", text), ("completion", text), ("label", pa.bool_())],
        "sft": [("messages", message)] if form == "conversational" else [("prompt", pa.string()), ("completion", pa.string())],
        "ratings": [("prompt", text), ("completion", text), *[(name, getattr(pa, kind)()) for name, kind in fields],
                    ("score", pa.float64()), ("codebook_versions", pa.list_(pa.int32())),
                    ("producer", pa.struct([("kind", pa.string()), ("name", pa.string()), ("adapter_version", pa.int32())])),
                    ("split", pa.string())],
        "raw": [
            ("label_id", pa.int64()), ("task_id", pa.int64()), ("prompt_id", pa.string()), ("split", pa.string()),
            ("kind", pa.string()), ("annotator", pa.string()), ("tier", pa.string()), ("codebook_version", pa.int32()),
            ("answer", pa.string()), ("shown_order", pa.list_(pa.int32())), ("time_spent_ms", pa.int64()),
            ("candidates", pa.list_(pa.struct([("position", pa.int32()), ("kind", pa.string()), ("name", pa.string()),
                                                ("adapter_version", pa.int32())]))),
            ("rewrite", pa.string()), ("comment", pa.string()), ("created_at", pa.string()),
            ("revisions", pa.list_(pa.struct([("action", pa.string()), ("answer", pa.string()), ("rewrite", pa.string()),
                                               ("comment", pa.string()), ("codebook_version", pa.int32()),
                                               ("given_at", pa.string()), ("changed_at", pa.string())]))),
        ],
    }[dataset]
    extra_types = {
        "agreement": pa.float64(), "strength": pa.float64(), "votes": pa.int32(), "task_id": pa.int64(),
        "prompt_id": pa.string(), "split": pa.string(), "adjudicated": pa.bool_(), "source": pa.string(),
        "score_margin": pa.float64(), "turn_index": pa.int32(),
    }
    names = {name for name, _ in base}
    return pa.schema(base + [(c, extra_types[c]) for c in columns if c not in names])


def _parquet_ready(row: dict, dataset: str) -> dict:
    if dataset == "raw":
        # A raw answer's keys vary by task kind; Parquet keeps it (and each earlier one) as JSON text.
        return {**row, "answer": json.dumps(row["answer"], sort_keys=True),
                "revisions": [{**revision, "answer": json.dumps(revision["answer"], sort_keys=True)}
                              for revision in row.get("revisions", [])]}
    return row


def write_parquet(rows: Iterable[dict], path: Path, *, dataset: str, form: str, columns=()) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # A row stream that settles its own columns (row_stream.RowStream.columns, the
    # ratings rows' fields) is written with those.
    schema = _schema(dataset, form, getattr(rows, "columns", columns), getattr(rows, "fields", ()))
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(_parquet_ready(row, dataset))
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return file_sha256(path)


def write_datasets_dir(rows: Iterable[dict], directory: Path, *, dataset: str, form: str, columns=()) -> str:
    """A `datasets.save_to_disk` directory, built from a Parquet file so memory stays flat."""
    from datasets import Dataset

    with tempfile.TemporaryDirectory() as scratch:
        parquet = Path(scratch) / "rows.parquet"
        write_parquet(rows, parquet, dataset=dataset, form=form, columns=columns)
        table = Dataset.from_parquet(str(parquet), cache_dir=scratch)
        if directory.exists():
            shutil.rmtree(directory)
        table.save_to_disk(str(directory))
    return tree_sha256(directory, pattern="*.arrow")


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def tree_sha256(directory: Path, pattern: str = "*") -> str:
    """One hash over the matching files, in name order, each prefixed by its name."""
    hasher = hashlib.sha256()
    for path in sorted(p for p in directory.glob(pattern) if p.is_file()):
        hasher.update(path.name.encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()
