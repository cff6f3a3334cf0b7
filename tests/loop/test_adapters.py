"""Registering adapters, promotion by hand and rollback, with their audit trail. (The
promotion gate: test_gate.py.)"""
import pytest

from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, RunStatus, TrainingRun
from feedback.loop.services.adapters import AdapterError, adapter_promote, adapter_register, adapter_rollback


def adapter(project, version, eval_metrics, parent=None, status=AdapterStatus.CANDIDATE):
    return AdapterVersion.objects.create(
        project=project, version=version, algorithm="dpo", base_model="demo", directory=f"x/v{version}",
        weights_sha256="0" * 64, eval_metrics=eval_metrics, parent=parent, status=status,
    )


def test_promote_by_hand_and_roll_back_leave_an_audit_trail(project, admin_user):
    v1 = adapter(project, 1, {}, status=AdapterStatus.PROMOTED)
    v2 = adapter(project, 2, {}, parent=v1, status=AdapterStatus.REJECTED)
    AdapterVersion.objects.filter(pk=v2.pk).update(gate_reason="Not enough held-out data (12 of 30 pairs): ...")
    adapter_promote(adapter=v2, actor=admin_user, note="the reviewers liked it")
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)
    # The gate's own reason stays; the admin's note is the promotion event's, beside it.
    assert v2.gate_reason == "Not enough held-out data (12 of 30 pairs): ..."
    promoted = v2.events.get(action=AdapterEvent.Action.PROMOTED)
    assert (promoted.actor, promoted.note) == (admin_user, "the reviewers liked it")

    restored = adapter_rollback(project=project, role="policy", actor=admin_user)
    v2.refresh_from_db()
    assert restored == v1 and restored.status == AdapterStatus.PROMOTED and v2.status == AdapterStatus.RETIRED
    actions = list(AdapterEvent.objects.filter(actor=admin_user).values_list("adapter__version", "action"))
    assert (2, "promoted") in actions and (2, "rolled_back") in actions and (1, "promoted") in actions

    assert adapter_rollback(project=project, role="policy", actor=admin_user) is None  # back to the base model
    assert not project.adapters.filter(status=AdapterStatus.PROMOTED).exists()
    with pytest.raises(AdapterError):
        adapter_rollback(project=project, role="policy", actor=admin_user)


def test_a_half_written_or_mismatched_adapter_is_never_registered(project, settings, tmp_path):
    settings.ARTIFACTS_DIR = tmp_path
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    folder = tmp_path / "runs" / "adapter"
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    with pytest.raises(AdapterError, match="not a complete adapter"):
        adapter_register(run=run, directory="runs/adapter", metrics={"adapter": {"sha256": "abc"}})
    (folder / "adapter_model.safetensors").write_bytes(b"half")
    with pytest.raises(AdapterError, match="does not match"):
        adapter_register(run=run, directory="runs/adapter", metrics={"adapter": {"sha256": "0" * 64}})
    assert not AdapterVersion.objects.exists()


