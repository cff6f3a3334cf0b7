"""Snapshot files → checked rows in TRL's dataset formats.

Two row shapes, as the exports write them (TRL's own formats):

- preference (dpo, reward):  {"prompt": P, "chosen": C, "rejected": R}
- unpaired (kto):            {"prompt": P, "completion": C, "label": true|false}

Each of P, C, R is either plain text or a conversation (a list of {"role", "content"}
messages; completions are assistant turns). A file is one style or the other, detected
from its first row. Extra columns (agreement, strength, weight, task_id, ...) are dropped
here so that TRL never sees them. Pure Python: rows are checked before torch is imported,
so a bad file fails in well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import SpecError

PREFERENCE_KEYS = ("prompt", "chosen", "rejected")
UNPAIRED_KEYS = ("prompt", "completion", "label")
ROLES = ("system", "user", "assistant", "tool")


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for each non-blank line; a broken line is an error naming it."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise SpecError(f"{path.name} line {number}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise SpecError(f"{path.name} line {number}: expected a JSON object")
            rows.append((number, row))
    if not rows:
        raise SpecError(f"{path.name} has no rows")
    return rows


def row_kind(row: dict) -> str:
    """'preference' or 'unpaired', from the keys a row has."""
    if all(k in row for k in PREFERENCE_KEYS):
        return "preference"
    if all(k in row for k in UNPAIRED_KEYS):
        return "unpaired"
    return "unknown"


def is_conversation(value: Any) -> bool:
    return isinstance(value, list)


def load_preference_rows(path: Path) -> list[dict]:
    """Rows {"prompt", "chosen", "rejected"} for DPO and reward training."""
    rows = read_jsonl(path)
    conversational = _file_style(path, rows)
    return [_preference_row(path, number, row, conversational) for number, row in rows]


def load_unpaired_rows(path: Path) -> list[dict]:
    """Rows {"prompt", "completion", "label"} for KTO. A preference file is accepted too
    and unpaired here (chosen → label true, rejected → label false), the way TRL would."""
    rows = read_jsonl(path)
    conversational = _file_style(path, rows)
    unpaired = []
    for number, row in rows:
        if row_kind(row) == "preference":
            pair = _preference_row(path, number, row, conversational)
            unpaired.append({"prompt": pair["prompt"], "completion": pair["chosen"], "label": True})
            unpaired.append({"prompt": pair["prompt"], "completion": pair["rejected"], "label": False})
        else:
            unpaired.append(_unpaired_row(path, number, row, conversational))
    return unpaired


def load_eval_pairs(path: Path) -> list[dict]:
    """Held-out rows as preference pairs, the unit the promotion gate scores.

    A preference file is used as is. An unpaired (KTO) file is paired per prompt: every
    desirable completion against every undesirable one for the same prompt; prompts with
    only one side contribute nothing (they say nothing about a preference)."""
    rows = read_jsonl(path)
    if row_kind(rows[0][1]) != "unpaired":
        return load_preference_rows(path)
    by_prompt: dict[str, dict[str, Any]] = {}
    for row in load_unpaired_rows(path):
        key = json.dumps(row["prompt"], sort_keys=True)
        group = by_prompt.setdefault(key, {"prompt": row["prompt"], True: [], False: []})
        group[row["label"]].append(row["completion"])
    return [
        {"prompt": group["prompt"], "chosen": chosen, "rejected": rejected}
        for group in by_prompt.values()
        for chosen in group[True]
        for rejected in group[False]
    ]


# --- row checks ---------------------------------------------------------------------------


def _file_style(path: Path, rows: list[tuple[int, dict]]) -> bool:
    """True if the file is conversational, decided by its first row's prompt."""
    number, first = rows[0]
    if row_kind(first) == "unknown":
        raise SpecError(
            f"{path.name} line {number}: expected keys {'/'.join(PREFERENCE_KEYS)} (preference) "
            f"or {'/'.join(UNPAIRED_KEYS)} (unpaired); found {', '.join(sorted(first)) or 'none'}"
        )
    return is_conversation(first["prompt"])


def _preference_row(path: Path, number: int, row: dict, conversational: bool) -> dict:
    if row_kind(row) != "preference":
        missing = [k for k in PREFERENCE_KEYS if k not in row]
        raise SpecError(f"{path.name} line {number}: missing {', '.join(missing)} for a preference row")
    where = f"{path.name} line {number}"
    return {
        "prompt": _prompt(where, row["prompt"], conversational),
        "chosen": _completion(where, "chosen", row["chosen"], conversational),
        "rejected": _completion(where, "rejected", row["rejected"], conversational),
    }


def _unpaired_row(path: Path, number: int, row: dict, conversational: bool) -> dict:
    if row_kind(row) != "unpaired":
        missing = [k for k in UNPAIRED_KEYS if k not in row]
        raise SpecError(f"{path.name} line {number}: missing {', '.join(missing)} for an unpaired row")
    where = f"{path.name} line {number}"
    if not isinstance(row["label"], bool):
        raise SpecError(f"{where}: label must be true or false, got {row['label']!r}")
    return {
        "prompt": _prompt(where, row["prompt"], conversational),
        "completion": _completion(where, "completion", row["completion"], conversational),
        "label": row["label"],
    }


def _prompt(where: str, value: Any, conversational: bool) -> str | list[dict]:
    if not conversational:
        if not isinstance(value, str):
            raise SpecError(f"{where}: prompt must be text like the file's first row")
        return value
    messages = _messages(where, "prompt", value)
    if not messages:
        raise SpecError(f"{where}: prompt has no messages")
    return messages


def _completion(where: str, key: str, value: Any, conversational: bool) -> str | list[dict]:
    if not conversational:
        if not isinstance(value, str) or not value:
            raise SpecError(f"{where}: {key} must be non-empty text like the prompt")
        return value
    messages = _messages(where, key, value)
    if not messages or any(m["role"] != "assistant" for m in messages):
        raise SpecError(f"{where}: {key} must be one or more assistant messages")
    return messages


def _messages(where: str, key: str, value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: {key} must be a list of messages like the file's first row")
    messages = []
    for i, message in enumerate(value):
        if (
            not isinstance(message, dict)
            or message.get("role") not in ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise SpecError(
                f"{where}: {key}[{i}] must be {{'role': one of {', '.join(ROLES)}, 'content': text}}"
            )
        # Only role and content reach the chat template; anything else is export metadata.
        messages.append({"role": message["role"], "content": message["content"]})
    return messages
