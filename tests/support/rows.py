"""Prompt rows in the import format (one JSON object per line), for tests that load tasks."""
import json


def jsonl_lines(rows: list[dict]) -> list[str]:
    return [json.dumps(row) for row in rows]


def sample_rows(n: int = 3, kind: str = "pair", prefix: str = "q") -> list[dict]:
    """n prompts of one task kind, each with as many candidates as the kind shows."""
    per_kind = {"pair": 2, "rank": 3, "thumbs": 2}[kind]
    return [
        {
            "external_id": f"{prefix}-{i}",
            "prompt": f"Question number {i}?",
            "kind": kind,
            "candidates": [
                {"text": f"Answer {j} to question {i}.", "producer": f"model-{j}", "sampling": {"temperature": 0.7}}
                for j in range(per_kind)
            ],
        }
        for i in range(n)
    ]
