"""The spec.json a run hands to `python -m training train` (see training/config.py)."""
from feedback.artifacts import artifact_storage, local_path, snapshot_file
from feedback.loop.models import TrainingRun, role_for_algorithm
from feedback.loop.selectors import promoted_adapter


def spec_build(*, run: TrainingRun) -> dict:
    """Absolute local paths throughout, so the trainer needs nothing from Django."""
    files = run.snapshot.manifest.get("files", {})
    eval_name = files.get("heldout_pairs") or files.get("heldout")
    if eval_name and not artifact_storage().size(snapshot_file(snapshot=run.snapshot, name=eval_name)):
        eval_name = None  # no held-out pairs yet (all ties, say): train, and let the gate say why it cannot promote
    compare, init_adapter = {}, None
    current = promoted_adapter(project=run.project, role=role_for_algorithm(run.algorithm))
    if current and current.base_model == run.project.base_model:
        compare[current.label] = str(local_path(current.directory))
        if run.config.get("continue_from_promoted"):
            init_adapter = compare[current.label]

    def snapshot_local(name: str) -> str:
        return str(local_path(snapshot_file(snapshot=run.snapshot, name=name)))

    return {
        "algorithm": run.algorithm,
        "base_model": run.project.base_model,
        "train_file": snapshot_local(files.get("train", "train.jsonl")),
        "eval_file": snapshot_local(eval_name) if eval_name else None,
        "compare_adapters": compare,
        "init_adapter": init_adapter,
        "hyperparameters": run.config.get("hyperparameters") or {},
        "device": run.config.get("device", "auto"),
    }
