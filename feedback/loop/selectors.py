"""Reads of the loop: the promoted adapter, the active run, labels waiting to be
trained on, eval rows and lineage. No writes, no presentation (presenters.py draws)."""
from feedback.exports.models import Snapshot
from feedback.labelling.models import Label, Project, TaskKind
from feedback.loop.models import (
    ACTIVE_RUN_STATUSES, AdapterEvent, AdapterRole, AdapterStatus, AdapterVersion, Algorithm, TrainingRun,
)

# The label kinds each algorithm learns from.
KINDS_FOR = {
    Algorithm.DPO: (TaskKind.PAIR, TaskKind.RANK),
    Algorithm.REWARD: (TaskKind.PAIR, TaskKind.RANK),
    Algorithm.KTO: (TaskKind.THUMBS, TaskKind.PAIR, TaskKind.TURNS),
}


def promoted_adapter(*, project: Project, role: str = AdapterRole.POLICY) -> AdapterVersion | None:
    """The adapter of `role` in use now (at most one, by a constraint); None: the base model."""
    return (AdapterVersion.objects.filter(project=project, role=role, status=AdapterStatus.PROMOTED)
            .select_related("parent").first())


def active_run(*, project: Project) -> TrainingRun | None:
    return TrainingRun.objects.filter(project=project, status__in=ACTIVE_RUN_STATUSES).first()


def new_preference_count(*, project: Project, algorithm: str) -> int:
    """Labels of the kinds the algorithm trains on, newer than the last snapshot."""
    last = Snapshot.objects.filter(project=project).order_by("-last_label_id").values_list("last_label_id", flat=True).first()
    return Label.objects.filter(task__project=project, kind__in=KINDS_FOR[algorithm], id__gt=last or 0).count()



def eval_table(*, adapter: AdapterVersion) -> list[dict]:
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


def promoted_by_hand(*, adapter: AdapterVersion):
    """The latest promotion of `adapter` by a person (its event: actor, note, time), from
    the prefetched events; None when only the gate promoted it, or nobody did."""
    return next((e for e in adapter.events.all() if e.action == AdapterEvent.Action.PROMOTED and e.actor_id is not None), None)


def adapters_with_lineage(*, project: Project):
    return (
        AdapterVersion.objects.filter(project=project)
        .select_related("parent", "snapshot", "run")
        .prefetch_related("events__actor")
        .order_by("-version")
    )


def rollback_target(*, current: AdapterVersion) -> AdapterVersion | None:
    """What rolling back `current` restores: the adapter it replaced (its parent), else
    the newest earlier retired one of its role; None means the base model."""
    return current.parent or (
        AdapterVersion.objects.filter(project=current.project_id, role=current.role, status=AdapterStatus.RETIRED,
                                      version__lt=current.version)
        .order_by("-version").first()
    )
