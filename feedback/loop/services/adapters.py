"""Adapter versions: registering a finished run's adapter, promotion (by the gate,
gate.py, or by hand) and rollback, each leaving an audit event and asking for a
leaderboard refit."""
import hashlib

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from feedback import artifacts
from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, TrainingRun, role_for_algorithm
from feedback.loop.selectors import promoted_adapter, rollback_target
from feedback.loop.services.leaderboard_fits import leaderboard_refit_request

WEIGHTS = "adapter_model.safetensors"


class AdapterError(Exception):
    pass


def adapter_register(*, run: TrainingRun, directory: str, metrics: dict) -> AdapterVersion:
    """Record the adapter folder `directory` (an artifact name) as the project's next
    version. The weights are hashed again here: a folder whose weights do not match what
    the trainer reported (half written, tampered with) is refused."""
    weights = artifacts.child_file(directory, WEIGHTS)
    if not artifacts.artifact_exists(artifacts.child_file(directory, "adapter_config.json")) or \
            not artifacts.artifact_exists(weights):
        raise AdapterError(f"{directory} is not a complete adapter (config or weights missing)")
    with artifacts.artifact_open(weights, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    reported = (metrics.get("adapter") or {}).get("sha256")
    if reported != digest:
        raise AdapterError(f"adapter weights hash {digest[:12]} does not match the trainer's {str(reported)[:12]}")
    role = role_for_algorithm(run.algorithm)
    with transaction.atomic():
        project = type(run.project).objects.select_for_update().get(pk=run.project_id)  # serialize version numbers
        number = (project.adapters.aggregate(top=Max("version"))["top"] or 0) + 1
        adapter = AdapterVersion.objects.create(
            project=project, version=number, role=role, algorithm=run.algorithm,
            parent=promoted_adapter(project=project, role=role), run=run,
            snapshot=run.snapshot, base_model=project.base_model, directory=directory, weights_sha256=digest,
            eval_metrics=metrics.get("eval") or {},
        )
        AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.REGISTERED,
                                    note=f"from run {run.pk}, snapshot {run.snapshot_id}")
    return adapter


def adapter_promote(*, adapter: AdapterVersion, actor=None, note: str = "") -> AdapterVersion:
    """Make `adapter` the promoted one of its role; the previous one is retired. The
    gate's reason stays as the gate wrote it: who promoted by hand, and why, is the
    promotion event's actor and note."""
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
        AdapterVersion.objects.filter(pk=adapter.pk).update(status=AdapterStatus.PROMOTED, promoted_at=timezone.now())
        AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.PROMOTED, actor=actor,
                                    note=note or "promoted by hand")
        leaderboard_refit_request(project=adapter.project)
    adapter.refresh_from_db()
    return adapter


def adapter_rollback(*, project, role: str, actor, note: str = "") -> AdapterVersion | None:
    """Retire the promoted adapter and promote the one it replaced (its parent, or the
    newest earlier retired one). Returns the adapter now promoted, or None (base model)."""
    with transaction.atomic():
        current = AdapterVersion.objects.select_for_update().filter(
            project=project, role=role, status=AdapterStatus.PROMOTED
        ).first()
        if current is None:
            raise AdapterError("No promoted adapter to roll back.")
        previous = rollback_target(current=current)
        AdapterVersion.objects.filter(pk=current.pk).update(status=AdapterStatus.RETIRED)
        AdapterEvent.objects.create(adapter=current, action=AdapterEvent.Action.ROLLED_BACK, actor=actor,
                                    note=note or (f"rolled back to {previous.label}" if previous else "rolled back to the base model"))
        leaderboard_refit_request(project=project)
        if previous is None:
            return None
        return adapter_promote(adapter=previous, actor=actor, note=note or f"restored by rolling back {current.label}")
