"""The run spec (the contract with the Django side) and the hyperparameter base class.

A training run is described by one file, ``RUN_DIR/spec.json``::

    {
      "algorithm": "dpo" | "reward" | "kto",
      "base_model": "demo" or "/abs/local/dir",
      "train_file": "snapshot/train.jsonl",
      "eval_file": "snapshot/heldout.jsonl",          (optional)
      "compare_adapters": {"v3": "/abs/adapter/dir"}, (optional)
      "init_adapter": "/abs/adapter/dir",             (optional: continue training it)
      "hyperparameters": {"beta": 0.2, ...},          (optional overrides)
      "device": "auto" | "cpu" | "cuda"                (optional, default "auto")
    }

Relative paths are relative to the spec's folder, which is the run directory: the run
writes only there. This module is pure Python (no torch) so that the web process can
validate a spec or a hyperparameter form without loading the ML stack.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ALGORITHMS = ("dpo", "reward", "kto")
DEVICES = ("auto", "cpu", "cuda")
SPEC_KEYS = (
    "algorithm",
    "base_model",
    "train_file",
    "eval_file",
    "compare_adapters",
    "init_adapter",
    "hyperparameters",
    "device",
)
# Names the eval block of metrics.json uses for the trained adapter and the base model,
# so a compare adapter may not take them.
RESERVED_EVAL_NAMES = ("new", "base")


class SpecError(ValueError):
    """Something wrong with the run's inputs (spec, files, rows). The message is meant
    for a person: it names the file, line or key at fault."""


@dataclass
class RunSpec:
    path: Path
    algorithm: str
    base_model: str  # "demo"-style name, or an absolute directory
    train_file: Path
    eval_file: Path | None = None
    compare_adapters: dict[str, Path] = field(default_factory=dict)
    # An adapter of the same kind to continue training instead of a fresh LoRA (its own
    # rank and target modules then apply, not the spec's lora_* hyperparameters).
    init_adapter: Path | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    device: str = "auto"

    @property
    def run_dir(self) -> Path:
        return self.path.parent


def read_spec_object(spec_path: str | Path, allowed_keys) -> tuple[Path, dict]:
    """(resolved path, the JSON object) of a spec file, with only `allowed_keys`."""
    path = Path(spec_path).resolve()
    if not path.is_file():
        raise SpecError(f"spec file not found: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SpecError(f"{path.name} is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name} must hold a JSON object")
    unknown = sorted(set(raw) - set(allowed_keys))
    if unknown:
        raise SpecError(f"unknown spec key(s): {', '.join(unknown)} (allowed: {', '.join(allowed_keys)})")
    return path, raw


def base_model_of(raw: dict, folder: Path) -> str:
    base_model = raw.get("base_model")
    if not isinstance(base_model, str) or not base_model.strip():
        raise SpecError("base_model must be a model name such as 'demo' or a local directory")
    return str(_relative_to(folder, base_model)) if _looks_like_path(base_model) else base_model


def load_spec(spec_path: str | Path) -> RunSpec:
    """Read and check RUN_DIR/spec.json. Hyperparameters are checked later, against the
    algorithm's own dataclass (see `build_hyperparameters`)."""
    path, raw = read_spec_object(spec_path, SPEC_KEYS)
    algorithm = raw.get("algorithm")
    if algorithm not in ALGORITHMS:
        raise SpecError(f"unknown algorithm {algorithm!r}: expected one of {', '.join(ALGORITHMS)}")

    base_model = base_model_of(raw, path.parent)

    device = raw.get("device", "auto")
    if device not in DEVICES:
        raise SpecError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}")

    hyperparameters = raw.get("hyperparameters") or {}
    if not isinstance(hyperparameters, dict):
        raise SpecError("hyperparameters must be a JSON object")

    return RunSpec(
        path=path,
        algorithm=algorithm,
        base_model=base_model,
        train_file=_existing_file(path.parent, raw.get("train_file"), "train_file"),
        eval_file=(
            _existing_file(path.parent, raw["eval_file"], "eval_file") if raw.get("eval_file") is not None else None
        ),
        compare_adapters=_compare_adapters(path.parent, raw.get("compare_adapters") or {}, algorithm),
        init_adapter=(
            _adapter_dir(path.parent, raw["init_adapter"], algorithm, "init_adapter")
            if raw.get("init_adapter") is not None else None
        ),
        hyperparameters=hyperparameters,
        device=device,
    )


def _looks_like_path(value: str) -> bool:
    return "/" in value or value.startswith(".") or value.startswith("~")


def _relative_to(folder: Path, value: str) -> Path:
    return (folder / Path(value).expanduser()).resolve()


def _existing_file(folder: Path, value: Any, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise SpecError(f"{key} must be a file path")
    path = _relative_to(folder, value)
    if not path.is_file():
        raise SpecError(f"{key} not found: {path}")
    return path


# PEFT task type of the adapters each algorithm trains: a compare adapter must be the same
# kind (PEFT would load a reward adapter onto a causal LM without complaint, and score junk).
ADAPTER_TASK_TYPES = {"dpo": "CAUSAL_LM", "kto": "CAUSAL_LM", "reward": "SEQ_CLS"}


def _compare_adapters(folder: Path, value: Any, algorithm: str) -> dict[str, Path]:
    if not isinstance(value, dict):
        raise SpecError("compare_adapters must map a name to an adapter directory")
    adapters = {}
    for name, adapter_dir in value.items():
        if name in RESERVED_EVAL_NAMES or not name:
            raise SpecError(f"compare adapter name {name!r} is reserved; pick another name")
        adapters[name] = _adapter_dir(folder, adapter_dir, algorithm, f"compare_adapters[{name!r}]")
    return adapters


def _adapter_dir(folder: Path, value: Any, algorithm: str, key: str) -> Path:
    """A PEFT adapter directory of the kind `algorithm` trains."""
    if not isinstance(value, str) or not value:
        raise SpecError(f"{key} must be a directory path")
    path = _relative_to(folder, value)
    config_file = path / "adapter_config.json"
    if not config_file.is_file():
        raise SpecError(f"{key}: no PEFT adapter (adapter_config.json) in {path}")
    try:
        task_type = json.loads(config_file.read_text(encoding="utf-8")).get("task_type")
    except (json.JSONDecodeError, AttributeError):
        raise SpecError(f"{key}: {config_file} is not a valid adapter config") from None
    if task_type != ADAPTER_TASK_TYPES[algorithm]:
        raise SpecError(
            f"{key} is a {task_type} adapter; a {algorithm} run works with "
            f"{ADAPTER_TASK_TYPES[algorithm]} adapters only"
        )
    return path


# --- Hyperparameters --------------------------------------------------------------------
# Field names follow TRL / transformers where one exists, so the spec reads like TRL docs.
# A value of None means "chosen for the device" (see each algorithm's trainer module).


@dataclass
class Hyperparameters:
    """Defaults shared by every algorithm: one small LoRA epoch."""

    num_train_epochs: float = 1.0
    max_steps: int = -1  # > 0 overrides num_train_epochs
    learning_rate: float = 5e-5
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 1
    max_length: int = 512  # tokens, prompt + completion
    seed: int = 0
    logging_steps: int = 1
    warmup_steps: int = 0
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_target_modules: str | list[str] = "all-linear"
    quantization: str = "none"  # "none" | "4bit" (QLoRA nf4, CUDA only)
    gradient_checkpointing: bool | None = None  # None: off on CPU, chosen by memory on CUDA
    eval_batch_size: int = 8  # sequences per forward when scoring held-out rows

    CHOICES: typing.ClassVar[dict[str, tuple]] = {"quantization": ("none", "4bit")}

    def validate(self) -> None:
        """Range checks the type system does not catch. Subclasses extend this."""
        at_least_one = (
            "per_device_train_batch_size", "gradient_accumulation_steps", "max_length", "lora_r", "logging_steps",
            "eval_batch_size",
        )
        for name in at_least_one:
            if getattr(self, name) < 1:
                raise SpecError(f"hyperparameter {name} must be at least 1")
        if self.warmup_steps < 0:
            raise SpecError("hyperparameter warmup_steps must not be negative")
        if self.max_steps == 0 or self.max_steps < -1:
            raise SpecError("hyperparameter max_steps must be -1 (use num_train_epochs) or positive")
        if self.num_train_epochs <= 0:
            raise SpecError("hyperparameter num_train_epochs must be positive")
        if not 0 <= self.lora_dropout < 1:
            raise SpecError("hyperparameter lora_dropout must be in [0, 1)")
        if self.learning_rate <= 0:
            raise SpecError("hyperparameter learning_rate must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def build_hyperparameters(cls: type[Hyperparameters], overrides: dict[str, Any]) -> Hyperparameters:
    """The algorithm's defaults with the spec's overrides applied and checked: unknown
    keys, wrong types and bad choices are errors naming the key, never silently dropped."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise SpecError(
            f"unknown hyperparameter(s) for {cls.__name__}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(fields))})"
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in overrides.items():
        if not _matches_type(value, hints[name]):
            raise SpecError(f"hyperparameter {name}={value!r} has the wrong type (expected {_type_name(hints[name])})")
        choices = cls.CHOICES.get(name)
        if choices is not None and value not in choices:
            raise SpecError(f"hyperparameter {name}={value!r}: expected one of {', '.join(map(str, choices))}")
        values[name] = float(value) if hints[name] is float else value
    hyperparameters = cls(**values)
    hyperparameters.validate()
    return hyperparameters


def _matches_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches_type(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_matches_type(v, item) for v in value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:  # JSON has one number type; bools are ints in Python, but not here
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")
