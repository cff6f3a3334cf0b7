"""The promotion gate, promotion by hand and rollback, with their audit trail."""
import pytest

from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, RunStatus, TrainingRun
from feedback.loop.services.adapters import (
    AdapterError, adapter_promote, adapter_register, adapter_rollback, gate_apply, gate_decide,
)


def adapter(project, version, eval_metrics, parent=None, status=AdapterStatus.CANDIDATE):
    return AdapterVersion.objects.create(
        project=project, version=version, algorithm="dpo", base_model="demo", directory=f"x/v{version}",
        weights_sha256="0" * 64, eval_metrics=eval_metrics, parent=parent, status=status,
    )


def acc(value):
    return {"preference_accuracy": value, "mean_margin": 0.1}


def test_first_adapter_must_beat_the_base_by_the_margin(project):
    good = adapter(project, 1, {"new": acc(0.8), "base": acc(0.6)})
    assert gate_decide(good, margin=0.1).promote
    assert not gate_decide(good, margin=0.25).promote
    assert "does not beat base model 0.600" in gate_decide(good, margin=0.25).reason


def test_a_later_adapter_must_beat_the_promoted_one_too(project):
    v1 = adapter(project, 1, {"new": acc(0.7), "base": acc(0.5)}, status=AdapterStatus.PROMOTED)
    worse = adapter(project, 2, {"new": acc(0.65), "v1": acc(0.7), "base": acc(0.5)}, parent=v1)
    decision = gate_apply(worse, margin=0.0)
    assert not decision.promote and "v1 (promoted) 0.700" in decision.reason
    worse.refresh_from_db(), v1.refresh_from_db()
    assert worse.status == AdapterStatus.REJECTED and v1.status == AdapterStatus.PROMOTED
    assert worse.events.get().action == AdapterEvent.Action.REJECTED

    better = adapter(project, 3, {"new": acc(0.9), "v1": acc(0.7), "base": acc(0.5)}, parent=v1)
    assert gate_apply(better, margin=0.05).promote
    v1.refresh_from_db()
    assert v1.status == AdapterStatus.RETIRED and better.status == AdapterStatus.PROMOTED
    assert better.promoted_at is not None


def test_without_a_held_out_score_nothing_is_promoted(project):
    v1 = adapter(project, 1, {"new": acc(0.9)})
    assert not gate_decide(v1, 0.0).promote
    v1.eval_metrics = {"new": {"error": "could not load"}, "base": acc(0.5)}
    assert not gate_decide(v1, 0.0).promote
    parent = adapter(project, 2, {}, status=AdapterStatus.PROMOTED)
    orphan = adapter(project, 3, {"new": acc(0.9), "base": acc(0.5), "v2": {"error": "wrong base"}}, parent=parent)
    assert "could not be scored" in gate_decide(orphan, 0.0).reason


def test_promote_by_hand_and_roll_back_leave_an_audit_trail(project, admin_user):
    v1 = adapter(project, 1, {}, status=AdapterStatus.PROMOTED)
    v2 = adapter(project, 2, {}, parent=v1, status=AdapterStatus.REJECTED)
    adapter_promote(v2, actor=admin_user, note="the reviewers liked it")
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)

    restored = adapter_rollback(project, role="policy", actor=admin_user)
    v2.refresh_from_db()
    assert restored == v1 and restored.status == AdapterStatus.PROMOTED and v2.status == AdapterStatus.RETIRED
    actions = list(AdapterEvent.objects.filter(actor=admin_user).values_list("adapter__version", "action"))
    assert (2, "promoted") in actions and (2, "rolled_back") in actions and (1, "promoted") in actions

    assert adapter_rollback(project, role="policy", actor=admin_user) is None  # back to the base model
    assert not project.adapters.filter(status=AdapterStatus.PROMOTED).exists()
    with pytest.raises(AdapterError):
        adapter_rollback(project, role="policy", actor=admin_user)


def test_a_half_written_or_mismatched_adapter_is_never_registered(project, settings, tmp_path):
    settings.ARTIFACTS_DIR = tmp_path
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    folder = tmp_path / "runs" / "adapter"
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    with pytest.raises(AdapterError, match="not a complete adapter"):
        adapter_register(run, folder, {"adapter": {"sha256": "abc"}})
    (folder / "adapter_model.safetensors").write_bytes(b"half")
    with pytest.raises(AdapterError, match="does not match"):
        adapter_register(run, folder, {"adapter": {"sha256": "0" * 64}})
    assert not AdapterVersion.objects.exists()


def test_a_draw_is_not_a_win(project):
    draw = adapter(project, 1, {"new": acc(0.9), "base": acc(0.9)})
    assert not gate_decide(draw, margin=0.0).promote


def test_policy_adapters_are_gated_on_implicit_reward_against_chance_and_the_promoted_one(project):
    def scored(accuracy, implicit):
        return {"preference_accuracy": accuracy, "implicit_reward_accuracy": implicit}

    # Same likelihood ranking as the base, but it learned the preference relative to it.
    learned = adapter(project, 1, {"new": scored(0.5, 0.75), "base": acc(0.5)})
    decision = gate_decide(learned, margin=0.1)
    assert decision.promote and "implicit-reward accuracy 0.750 beats base model 0.500" in decision.reason
    assert not gate_decide(learned, margin=0.3).promote
    v1 = adapter(project, 2, {"new": scored(0.5, 0.7), "base": acc(0.5)}, status=AdapterStatus.PROMOTED)
    worse = adapter(project, 3, {"new": scored(0.9, 0.65), "v2": scored(0.5, 0.7), "base": acc(0.5)}, parent=v1)
    assert "does not beat v2 (promoted) 0.700" in gate_decide(worse, 0.0).reason
