"""Writing run outputs so that a reader never sees half of one.

Files and folders are written under a temporary name in the same directory and renamed
into place when complete: a rename within one filesystem is atomic, so a run killed at
any moment leaves either the whole artifact or none of it (plus a temporary that the next
attempt removes).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def write_json_atomic(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def publish_dir(tmp: Path, final: Path) -> None:
    """Rename a finished temporary folder to its final name (which must not exist)."""
    os.rename(tmp, final)


def remove_quietly(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()

