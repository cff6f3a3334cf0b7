"""One run, start to finish: RUN_DIR/spec.json in; progress.jsonl, adapter/, metrics.json out.

    checks     spec, hyperparameters, every row of the data files, base model dir:
               all before torch is imported, so a bad input fails in about a second
    loading    device choice, base model (demo converted once), TRL trainer
    training   trainer.train(); one progress line per logging step
    evaluating held-out pairs: new adapter, compare adapters, base (see evaluate.py)
    saving     adapter to RUN_DIR/.adapter.tmp, then renamed to adapter/
    done       metrics.json written last, atomically

Success means metrics.json exists (and exit code 0). A run killed at any point leaves no
adapter/ and no metrics.json; a later attempt in the same RUN_DIR clears the leftovers.
Nothing is written outside RUN_DIR except the shared demo-model cache (registry.py):
the trainer's scratch folder and the datasets' cache files (tokenized rows, precomputed
reference log-probs) live in RUN_DIR/.work, removed at the end.

Multi-GPU: the same command under `accelerate launch --num_processes N` (or torchrun),
whose RANK and WORLD_SIZE say which process this is. Every process trains its share of
each batch; the main one (rank 0) does everything else above (progress lines,
evaluation, saving, metrics.json). The others only keep their own scratch folder,
RUN_DIR/.work-rank-<rank>, so no two processes write the same file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import time
from pathlib import Path
from typing import IO

from . import dpo, kto, reward
from .artifacts import publish_dir, remove_quietly, write_json_atomic
from .config import Hyperparameters, RunSpec, SpecError, build_hyperparameters, load_spec
from .data import load_eval_pairs
from .progress import ProgressWriter
from .registry import check_local_model_dir, is_demo_name, resolve_base_model

ALGORITHMS = {"dpo": dpo, "reward": reward, "kto": kto}
METRICS = "metrics.json"
ADAPTER = "adapter"
ADAPTER_TMP = ".adapter.tmp"
WORK = ".work"
NEW_ADAPTER = "default"  # PEFT's name for the adapter a trainer creates


def train(spec_path: str | Path, stdout: IO[str] | None = None) -> dict:
    """Run the spec; return the metrics written to metrics.json. Raises on failure
    (SpecError for bad inputs) after writing an error event to progress.jsonl."""
    spec_path = Path(spec_path).resolve()
    run_dir = spec_path.parent
    if not spec_path.is_file():  # nothing to write progress next to
        raise SpecError(f"spec file not found: {spec_path}")
    if (run_dir / METRICS).exists():
        raise SpecError(f"{run_dir} already holds a finished run ({METRICS}); use a fresh run directory")
    rank, processes = launched_as()
    if rank:
        return _train_share(spec_path, run_dir / f"{WORK}-rank-{rank}")
    writer = ProgressWriter(run_dir / "progress.jsonl", stdout)
    try:
        return _train(spec_path, writer, processes)
    except SystemExit as e:  # SIGTERM, see __main__
        writer.error(f"terminated (exit code {e.code})")
        raise
    except BaseException as e:
        writer.error(str(e) or type(e).__name__)
        raise
    finally:
        remove_quietly(run_dir / WORK)
        remove_quietly(run_dir / ADAPTER_TMP)
        writer.close()


def launched_as() -> tuple[int, int]:
    """(rank, number of processes) under `accelerate launch` or torchrun; (0, 1) alone."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def _train_share(spec_path: Path, work: Path) -> dict:
    """A non-main process of a multi-process run: train alongside the main one, in its
    own scratch folder; write nothing else. Returns {} (the metrics are the main's)."""
    remove_quietly(work)  # a killed attempt's
    try:
        _train(spec_path, ProgressWriter(None), 0, work=work)
    finally:
        remove_quietly(work)
    return {}


def _train(spec_path: Path, writer: ProgressWriter, processes: int, work: Path | None = None) -> dict:
    """Train; then, on the main process (work is None), evaluate, save and write metrics."""
    started = time.time()
    spec, algorithm, hp = _checked_spec(spec_path)
    rows = algorithm.load_train_rows(spec.train_file)
    pairs = load_eval_pairs(spec.eval_file) if spec.eval_file else None
    run_dir = spec.run_dir
    main = work is None
    if main:
        # Leftovers of an attempt that was killed: an adapter/ that metrics.json never
        # vouched for (killed between the two renames), and scratch folders (the other
        # processes' too, when none run beside this one).
        leftovers = [ADAPTER, ADAPTER_TMP, WORK, *([f"{WORK}-rank-*"] if processes == 1 else [])]
        for pattern in leftovers:
            for path in run_dir.glob(pattern):
                remove_quietly(path)
        work = run_dir / WORK

    writer.phase("loading")
    from transformers import PrinterCallback

    from .callbacks import ProgressCallback
    from .models import choose_device

    plan = choose_device(spec.device, hp.quantization)
    base_dir = resolve_base_model(spec.base_model)
    work.mkdir()
    progress = ProgressCallback(writer, algorithm.ACCURACY_LOG_KEY, algorithm.MARGIN_LOG_KEY)
    trainer = algorithm.build_trainer(
        hp=hp, plan=plan, base_model_dir=base_dir, rows=rows, work_dir=work, callbacks=[progress],
        init_adapter=spec.init_adapter,
    )
    trainer.remove_callback(PrinterCallback)  # it prints raw log dicts; ours are the lines
    if len(trainer.train_dataset) == 0:
        raise SpecError(f"no training row fits max_length={hp.max_length} tokens (TRL drops those that cannot)")
    setup_seconds = time.time() - started
    writer.phase("training")
    output = trainer.train()
    if not main:
        return {}
    model, tokenizer = trainer.model, trainer.processing_class

    results = None
    if pairs:
        writer.phase("evaluating")
        results = evaluate_models(spec, hp, plan, base_dir, model, tokenizer, pairs, new_adapter=NEW_ADAPTER)

    writer.phase("saving")
    tmp = run_dir / ADAPTER_TMP
    model.save_pretrained(tmp, selected_adapters=[NEW_ADAPTER])  # not the compare adapters
    tokenizer.save_pretrained(tmp)
    with open(tmp / "adapter_model.safetensors", "rb") as weights:
        digest = hashlib.file_digest(weights, "sha256").hexdigest()
    (tmp / "weights.sha256").write_text(f"{digest}  adapter_model.safetensors\n")
    publish_dir(tmp, run_dir / ADAPTER)

    last = progress.history[-1] if progress.history else {}
    metrics = {
        "status": "succeeded",
        "algorithm": spec.algorithm,
        "base_model": spec.base_model,
        "base_model_dir": str(base_dir),
        **plan.describe(),
        "processes": processes,
        "steps": trainer.state.global_step,
        "train_loss": output.training_loss,
        "first_loss": progress.history[0]["loss"] if progress.history else None,
        "final_loss": last.get("loss"),
        "final_reward_accuracy": last.get("reward_accuracy"),
        "final_reward_margin": last.get("reward_margin"),
        "runtime_seconds": round(output.metrics.get("train_runtime", 0.0), 3),
        "setup_seconds": round(setup_seconds, 3),
        "total_seconds": round(time.time() - started, 3),
        "tokens_per_second": last.get("tokens_per_second"),
        "train_tokens": last.get("num_tokens"),
        "train_rows": len(rows),
        "train_rows_used": len(trainer.train_dataset),  # TRL drops rows that cannot fit max_length
        "micro_batch_size": trainer.args.per_device_train_batch_size,
        "gradient_accumulation_steps": trainer.args.gradient_accumulation_steps,
        "gradient_checkpointing": trainer.args.activation_checkpointing,
        "hyperparameters": hp.to_dict(),
        "init_adapter": str(spec.init_adapter) if spec.init_adapter else None,
        "adapter": {"dir": ADAPTER, "sha256": digest, "files": sorted(p.name for p in (run_dir / ADAPTER).iterdir())},
        "eval": results,
        "eval_info": _eval_info(spec, pairs),
        "versions": _versions(),
    }
    write_json_atomic(run_dir / METRICS, metrics)
    writer.phase("done")
    return metrics


def evaluate(spec_path: str | Path) -> dict:
    """`python -m training evaluate SPEC`: score RUN_DIR/adapter (if any, as "new"), the
    compare adapters and the base on the held-out file; written to RUN_DIR/eval.json."""
    spec, _algorithm, hp = _checked_spec(Path(spec_path).resolve())
    if spec.eval_file is None:
        raise SpecError("the spec has no eval_file to evaluate on")
    pairs = load_eval_pairs(spec.eval_file)
    from .models import choose_device, load_model_with_adapter

    plan = choose_device(spec.device, hp.quantization)
    base_dir = resolve_base_model(spec.base_model)
    new_dir = spec.run_dir / ADAPTER
    new_dir = new_dir if (new_dir / "adapter_config.json").is_file() else None
    model, tokenizer = load_model_with_adapter(base_dir, new_dir, plan, reward=spec.algorithm == "reward")
    results = evaluate_models(
        spec, hp, plan, base_dir, model, tokenizer, pairs, new_adapter=NEW_ADAPTER if new_dir else None
    )
    report = {"algorithm": spec.algorithm, "eval": results, "eval_info": _eval_info(spec, pairs)}
    write_json_atomic(spec.run_dir / "eval.json", report)
    return report


def evaluate_models(
    spec: RunSpec, hp: Hyperparameters, plan, base_dir: Path, model, tokenizer, pairs, *, new_adapter: str | None
) -> dict:
    """{"new": ..., <compare name>: ..., "base": ...}, all on the same pairs."""
    from .evaluate import evaluate_policy, evaluate_reward_model
    from .models import load_causal_lm

    adapters = dict(new_adapter=new_adapter, compare_adapters=spec.compare_adapters)
    sizes = dict(max_length=hp.max_length, batch_size=hp.eval_batch_size)
    if spec.algorithm == "reward":
        scored = evaluate_reward_model(model, tokenizer, pairs, **adapters, **sizes)
        base_lm = load_causal_lm(base_dir, plan)  # the reward model has no LM head to score with
        only_base = dict(new_adapter=None, compare_adapters={}, beta=1.0)
        scored["base"] = evaluate_policy(base_lm, tokenizer, pairs, **only_base, **sizes)["base"]
        del base_lm
    else:
        scored = evaluate_policy(model, tokenizer, pairs, **adapters, beta=hp.beta, **sizes)
    base = scored.pop("base")
    return {**scored, "base": base}  # the base last: new, compare adapters, base


def _checked_spec(spec_path: Path):
    spec = load_spec(spec_path)
    algorithm = ALGORITHMS[spec.algorithm]
    hp = build_hyperparameters(algorithm.HYPERPARAMETERS, spec.hyperparameters)
    if not is_demo_name(spec.base_model):
        check_local_model_dir(spec.base_model)
    return spec, algorithm, hp


def _eval_info(spec: RunSpec, pairs) -> dict:
    if not pairs:
        reason = "spec has no eval_file" if spec.eval_file is None else "eval_file yields no preference pairs"
        return {"status": "skipped", "reason": reason}
    return {
        "status": "done",
        "eval_file": str(spec.eval_file),
        "pairs": len(pairs),
        "score": "policies: mean per-token log-prob of the response; reward: the reward head "
        "(its 'base' entry is the base LM's mean per-token log-prob). See training/evaluate.py.",
    }


def _versions() -> dict:
    return {name: importlib.metadata.version(name) for name in ("torch", "transformers", "trl", "peft", "datasets")}
