"""The generation spec (RUN_DIR/generate.json), checked without torch.

    {
      "base_model": "demo" or "/abs/dir",
      "prompts_file": "prompts.jsonl",        rows: {"prompt_id": any, "messages": [{role, content}, ...]}
      "producers": [{"name": "v3", "adapter": "/abs/adapter"}, {"name": "base", "adapter": null}],
      "samples": [{"temperature": 0.7, "top_p": 0.95, "seed": 1}],   temperature 0: greedy
      "max_new_tokens": 128, "batch_size": 16, "device": "auto"
    }

Out, in RUN_DIR only: candidates.jsonl (one row per prompt × producer × sample, written
under a temporary name and renamed when complete), generate_metrics.json, and progress
lines (step = candidates written so far, out of prompts × producers × samples).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .config import DEVICES, SpecError, _existing_file, _relative_to, base_model_of, read_spec_object

KEYS = ("base_model", "prompts_file", "producers", "samples", "max_new_tokens", "batch_size", "device")


@dataclass
class Producer:
    name: str
    adapter: Path | None


@dataclass
class Sample:
    temperature: float
    top_p: float
    seed: int


@dataclass
class GenerateSpec:
    path: Path
    base_model: str
    prompts: list[dict]
    producers: list[Producer]
    samples: list[Sample]
    max_new_tokens: int
    batch_size: int
    device: str

    @property
    def run_dir(self) -> Path:
        return self.path.parent


def _prompts(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise SpecError(f"{path.name} line {number}: not JSON ({e.msg})") from None
        messages = row.get("messages") if isinstance(row, dict) else None
        if "prompt_id" not in (row or {}) or not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") in ("system", "user", "assistant")
            for m in messages
        ):
            raise SpecError(f"{path.name} line {number}: needs prompt_id and messages [{{role, content}}, ...]")
        rows.append(row)
    if not rows:
        raise SpecError(f"{path.name} has no prompts")
    return rows


def _producers(folder: Path, raw) -> list[Producer]:
    if not isinstance(raw, list) or not raw:
        raise SpecError("producers must be a non-empty list of {name, adapter}")
    producers = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise SpecError("each producer needs a name")
        adapter = entry.get("adapter")
        if adapter is not None:
            adapter = _relative_to(folder, adapter)
            if not (adapter / "adapter_config.json").is_file():
                raise SpecError(f"producer {entry['name']}: no adapter at {adapter}")
        producers.append(Producer(entry["name"], adapter))
    if len({p.name for p in producers}) != len(producers):
        raise SpecError("producer names must be distinct")
    return producers


def _samples(raw) -> list[Sample]:
    if not isinstance(raw, list) or not raw:
        raise SpecError("samples must be a non-empty list of {temperature, top_p, seed}")
    samples = []
    for entry in raw:
        try:
            sample = Sample(float(entry.get("temperature", 0.7)), float(entry.get("top_p", 1.0)), int(entry.get("seed", 0)))
        except (AttributeError, TypeError, ValueError):
            raise SpecError("each sample is {temperature, top_p, seed} with numbers") from None
        if sample.temperature < 0 or not 0 < sample.top_p <= 1:
            raise SpecError("temperature must be ≥ 0 and top_p in (0, 1]")
        samples.append(sample)
    return samples


def load_generate_spec(spec_path: str | Path) -> GenerateSpec:
    path, raw = read_spec_object(spec_path, KEYS)
    base_model = base_model_of(raw, path.parent)
    device = raw.get("device", "auto")
    if device not in DEVICES:
        raise SpecError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}")
    numbers = {}
    for key, default, top in (("max_new_tokens", 128, 4096), ("batch_size", 16, 1024)):
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise SpecError(f"{key} must be a whole number from 1 to {top}")
        numbers[key] = value
    return GenerateSpec(
        path=path, base_model=base_model,
        prompts=_prompts(_existing_file(path.parent, raw.get("prompts_file"), "prompts_file")),
        producers=_producers(path.parent, raw.get("producers")), samples=_samples(raw.get("samples")),
        device=device, **numbers,
    )
