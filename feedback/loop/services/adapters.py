"""Adapter versions: registering a finished run's adapter, the promotion gate, and
promotion or rollback by hand, each leaving an audit event."""
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, TrainingRun, role_for_algorithm

WEIGHTS = "adapter_model.safetensors"


class AdapterError(Exception):
    pass


def adapter_register(run: TrainingRun, adapter_path: Path, metrics: dict) -> AdapterVersion:
    """Record the run's adapter as the project's next version. The weights are hashed
    again here: a folder whose weights do not match what the trainer reported (half
    written, tampered with) is refused."""
    from training.artifacts import sha256_file  # worker only: the web process never imports training/

    weights = adapter_path / WEIGHTS
    if not (adapter_path / "adapter_config.json").is_file() or not weights.is_file():
        raise AdapterError(f"{adapter_path} is not a complete adapter (config or weights missing)")
    digest = sha256_file(weights)
    reported = (metrics.get("adapter") or {}).get("sha256")
    if reported != digest:
        raise AdapterError(f"adapter weights hash {digest[:12]} does not match the trainer's {str(reported)[:12]}")
    role = role_for_algorithm(run.algorithm)
    with transaction.atomic():
        project = type(run.project).objects.select_for_update().get(pk=run.project_id)  # serialize version numbers
        number = (project.adapters.aggregate(top=Max("version"))["top"] or 0) + 1
        parent = project.adapters.filter(role=role, status=AdapterStatus.PROMOTED).first()
        adapter = AdapterVersion.objects.create(
            project=project, version=number, role=role, algorithm=run.algorithm, parent=parent, run=run,
            snapshot=run.snapshot, base_model=project.base_model,
            directory=str(adapter_path.relative_to(settings.ARTIFACTS_DIR)), weights_sha256=digest,
            eval_metrics=metrics.get("eval") or {},
        )
        AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.REGISTERED,
                                    note=f"from run {run.pk}, snapshot {run.snapshot_id}")
    return adapter


@dataclass
class GateDecision:
    promote: bool
    reason: str


IMPLICIT = "implicit_reward_accuracy"
CHANCE = 0.5


def gate_metric(adapter: AdapterVersion) -> str:
    """What the gate compares. A policy adapter (DPO, KTO) is judged by its implicit
    reward against the base model, its reference: on how many held-out pairs does it
    raise the chosen response's log-probability ratio above the rejected one's. The base
    itself scores chance (its implicit reward is zero everywhere), and the promoted
    adapter is scored the same way on the same rows. A reward model is judged by its
    head's ranking, against the base LM's own likelihood ranking."""
    new = (adapter.eval_metrics or {}).get("new")
    return IMPLICIT if isinstance(new, dict) and IMPLICIT in new else "preference_accuracy"


def _accuracy(entry, metric: str) -> float | None:
    return entry.get(metric) if isinstance(entry, dict) else None


def gate_decide(adapter: AdapterVersion, margin: float) -> GateDecision:
    """Promote only when the new adapter beats the base and the promoted adapter on
    held-out pairs by more than `margin` (all scored on the same rows)."""
    scores, metric = adapter.eval_metrics or {}, gate_metric(adapter)
    new = _accuracy(scores.get("new"), metric)
    base = CHANCE if metric == IMPLICIT and isinstance(scores.get("base"), dict) else _accuracy(scores.get("base"), metric)
    if new is None or base is None:
        return GateDecision(False, "No held-out evaluation: nothing to compare, so not promoted.")
    label = "implicit-reward accuracy" if metric == IMPLICIT else "accuracy"
    rivals = {"base model": base}
    if adapter.parent is not None:
        parent = _accuracy(scores.get(adapter.parent.label), metric)
        if parent is None:
            return GateDecision(False, f"{adapter.parent.label} (promoted) could not be scored on the same rows.")
        rivals[f"{adapter.parent.label} (promoted)"] = parent
    for name, accuracy in rivals.items():
        if new <= accuracy + margin:  # a draw is not a win, whatever the margin
            return GateDecision(False, f"Held-out {label} {new:.3f} does not beat {name} {accuracy:.3f} by more than {margin:.3f}.")
    beaten = ", ".join(f"{name} {accuracy:.3f}" for name, accuracy in rivals.items())
    return GateDecision(True, f"Held-out {label} {new:.3f} beats {beaten} by more than {margin:.3f}.")


def gate_apply(adapter: AdapterVersion, margin: float) -> GateDecision:
    decision = gate_decide(adapter, margin)
    if decision.promote:
        adapter_promote(adapter, actor=None, note=f"Promotion gate: {decision.reason}")
    else:
        with transaction.atomic():
            AdapterVersion.objects.filter(pk=adapter.pk).update(status=AdapterStatus.REJECTED, gate_reason=decision.reason)
            AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.REJECTED, note=decision.reason)
        adapter.refresh_from_db()
    return decision


def adapter_promote(adapter: AdapterVersion, *, actor=None, note: str = "") -> AdapterVersion:
    """Make `adapter` the promoted one of its role; the previous one is retired."""
    with transaction.atomic():
        current = (
            AdapterVersion.objects.select_for_update()
            .filter(project=adapter.project_id, role=adapter.role, status=AdapterStatus.PROMOTED)
            .exclude(pk=adapter.pk)
            .first()
        )
        if current:
            AdapterVersion.objects.filter(pk=current.pk).update(status=AdapterStatus.RETIRED)
            AdapterEvent.objects.create(adapter=current, action=AdapterEvent.Action.RETIRED, actor=actor,
                                        note=f"replaced by {adapter.label}")
        AdapterVersion.objects.filter(pk=adapter.pk).update(
            status=AdapterStatus.PROMOTED, promoted_at=timezone.now(), gate_reason=note or adapter.gate_reason
        )
        AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.PROMOTED, actor=actor,
                                    note=note or "promoted by hand")
    adapter.refresh_from_db()
    return adapter


def adapter_rollback(project, *, role, actor, note: str = "") -> AdapterVersion | None:
    """Retire the promoted adapter and promote the one it replaced (its parent, or the
    newest earlier retired one). Returns the adapter now promoted, or None (base model)."""
    with transaction.atomic():
        current = AdapterVersion.objects.select_for_update().filter(
            project=project, role=role, status=AdapterStatus.PROMOTED
        ).first()
        if current is None:
            raise AdapterError("No promoted adapter to roll back.")
        previous = current.parent or (
            AdapterVersion.objects.filter(project=project, role=role, status=AdapterStatus.RETIRED, version__lt=current.version)
            .order_by("-version").first()
        )
        AdapterVersion.objects.filter(pk=current.pk).update(status=AdapterStatus.RETIRED)
        AdapterEvent.objects.create(adapter=current, action=AdapterEvent.Action.ROLLED_BACK, actor=actor,
                                    note=note or (f"rolled back to {previous.label}" if previous else "rolled back to the base model"))
        if previous is None:
            return None
        return adapter_promote(previous, actor=actor, note=note or f"restored by rolling back {current.label}")
