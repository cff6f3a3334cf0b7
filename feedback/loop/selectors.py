"""Read models for the training pages: charts and lineage, no writes."""
from feedback.charts.svg import Series, line_chart
from feedback.loop.models import AdapterStatus, AdapterVersion, TrainingRun


def run_charts(run: TrainingRun) -> dict:
    points = run.progress or []
    loss = Series("loss", [(p["step"], p.get("loss")) for p in points])
    accuracy = Series("reward accuracy", [(p["step"], p.get("reward_accuracy")) for p in points])
    return {
        "loss_chart": line_chart([loss], title=f"Training loss, run {run.pk}", x_label="step", y_label="loss"),
        "accuracy_chart": line_chart(
            [accuracy], title=f"Reward accuracy, run {run.pk}", x_label="step", y_label="accuracy", y_range=(0, 1)
        ),
    }


def eval_table(adapter: AdapterVersion) -> list[dict]:
    """Rows for the side-by-side eval: this adapter, what it was compared with, the base."""
    names = {"new": adapter.label, "base": "base model"}
    rows = []
    scored = adapter.eval_metrics or {}
    # The adapter first and the base last, as the trainer wrote them (Postgres' jsonb keeps keys in its own order).
    for key in sorted(scored, key=lambda key: (key != "new", key == "base")):
        scores = scored[key] if isinstance(scored[key], dict) else {}
        rows.append({
            "name": names.get(key, f"{key} (promoted then)"),
            "is_self": key == "new",
            "accuracy": scores.get("preference_accuracy"),
            "implicit": scores.get("implicit_reward_accuracy"),
            "margin": scores.get("mean_margin"),
            "rows": scores.get("rows"),
            "error": scores.get("error"),
        })
    return rows


def promoted_by_hand(adapter: AdapterVersion):
    """The latest promotion of `adapter` by a person (its event: actor, note, time), from
    the prefetched events; None when only the gate promoted it, or nobody did."""
    return next((e for e in adapter.events.all() if e.action == "promoted" and e.actor_id is not None), None)


def adapters_with_lineage(project):
    return (
        AdapterVersion.objects.filter(project=project)
        .select_related("parent", "snapshot", "run")
        .prefetch_related("events__actor")
        .order_by("-version")
    )


def rollback_target(current: AdapterVersion) -> AdapterVersion | None:
    """What rolling back `current` restores: the adapter it replaced (its parent), else
    the newest earlier retired one of its role; None means the base model."""
    return current.parent or (
        AdapterVersion.objects.filter(project=current.project_id, role=current.role, status=AdapterStatus.RETIRED,
                                      version__lt=current.version)
        .order_by("-version").first()
    )
