"""The spec.json a run hands to `python -m training train` (see training/config.py)."""
import json
from pathlib import Path

from django.conf import settings

from feedback.exports.services import snapshot_path
from feedback.loop.models import AdapterStatus, TrainingRun, role_for_algorithm


def run_dir_for(run: TrainingRun) -> Path:
    return settings.ARTIFACTS_DIR / "runs" / run.project.slug / f"run-{run.pk}"


def adapter_dir(adapter) -> Path:
    return settings.ARTIFACTS_DIR / adapter.directory


def promoted_adapter(project, role):
    return project.adapters.filter(role=role, status=AdapterStatus.PROMOTED).first()


def spec_write(run: TrainingRun, run_dir: Path) -> Path:
    """Absolute paths throughout, so the trainer needs nothing from Django."""
    snapshot = snapshot_path(run.snapshot)
    files = run.snapshot.manifest.get("files", {})
    eval_name = files.get("heldout_pairs") or files.get("heldout")
    if eval_name and not (snapshot / eval_name).stat().st_size:
        eval_name = None  # no held-out pairs yet (all ties, say): train, and let the gate say why it cannot promote
    compare, init_adapter = {}, None
    current = promoted_adapter(run.project, role_for_algorithm(run.algorithm))
    if current and current.base_model == run.project.base_model:
        compare[current.label] = str(adapter_dir(current))
        if run.config.get("continue_from_promoted"):
            init_adapter = compare[current.label]
    spec = {
        "algorithm": run.algorithm,
        "base_model": run.project.base_model,
        "train_file": str(snapshot / files.get("train", "train.jsonl")),
        "eval_file": str(snapshot / eval_name) if eval_name else None,
        "compare_adapters": compare,
        "init_adapter": init_adapter,
        "hyperparameters": run.config.get("hyperparameters") or {},
        "device": run.config.get("device", "auto"),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "spec.json"
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return path
