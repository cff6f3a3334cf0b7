"""A project whose tasks stand in every state the labelling statements tell apart, and
the ORM's reading of the fragments those statements share: the tests of
feedback/labelling/sql/ run each raw statement and its ORM twin on this data and
compare (on SQLite and on Postgres, whichever the run uses)."""
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus, CodebookVersion, Project, Task
from feedback.labelling.services.codebooks import calibration_copy
from feedback.labelling.services.imports import import_jsonl
from tests.support.labels import make_label

FINISHED = (AssignmentStatus.DONE, AssignmentStatus.SKIPPED)


def live_q(now, prefix: str = "") -> Q:
    """An assignment that is a live lease at `now` (prefix: the path to it, "assignments__")."""
    return Q(**{f"{prefix}status": AssignmentStatus.LEASED, f"{prefix}expires_at__gt": now})


def not_mine_q(user, now) -> Q:
    """A task that `user` has neither finished nor holds a live lease of at `now`."""
    keeps = Assignment.objects.filter(task=OuterRef("pk"), annotator=user).filter(Q(status__in=FINISHED) | live_q(now))
    return ~Exists(keeps)


@dataclass
class LeaseMix:
    project: Project
    codebook: CodebookVersion
    users: list  # alice, bob, carol
    tasks: dict[str, Task]  # by the state they were put in
    now: object


def lease_mix(project, codebook, annotators, tasks_of, *, other_project=None) -> LeaseMix:
    """Overlap 2; from alice's side: tasks full, held by others, with room, skipped by her,
    gold, a calibration item (and its copy), with another's expired lease, done by her,
    two of her live leases (the older one first), her released lease, a closed task; and,
    with `other_project`, her live lease there."""
    alice, bob, carol = annotators
    project.overlap = 2
    project.save()
    names = ["full", "others_hold", "room", "skipped", "gold", "calibrated", "expired", "mine", "held_old", "held_new",
             "released", "closed", "open"]
    tasks = dict(zip(names, tasks_of("pair", len(names), prefix="mix")))
    now = timezone.now()

    def assign(task, user, *, status=AssignmentStatus.LEASED, minutes=30, leased_minutes_ago=1):
        return Assignment.objects.create(task=task, annotator=user, status=status,
                                         leased_at=now - timedelta(minutes=leased_minutes_ago),
                                         expires_at=now + timedelta(minutes=minutes), display_order=[1, 0])

    make_label(tasks["full"], bob, codebook, {"choice": "A", "strength": None})
    make_label(tasks["full"], carol, codebook, {"choice": "B", "strength": None})
    make_label(tasks["others_hold"], bob, codebook, {"choice": "A", "strength": None})
    assign(tasks["others_hold"], carol)
    assign(tasks["room"], bob)
    assign(tasks["skipped"], alice, status=AssignmentStatus.SKIPPED)
    Task.objects.filter(pk=tasks["gold"].pk).update(is_gold=True, gold_answer={"choice": "A", "strength": None})
    tasks["calibration_copy"] = calibration_copy(task=tasks["calibrated"], codebook=codebook)
    assign(tasks["expired"], bob, minutes=-1)
    make_label(tasks["mine"], alice, codebook, {"choice": "A", "strength": None})
    assign(tasks["held_old"], alice, leased_minutes_ago=10)
    assign(tasks["held_new"], alice, leased_minutes_ago=2)
    assign(tasks["released"], alice, status=AssignmentStatus.RELEASED, minutes=-5)
    Task.objects.filter(pk=tasks["closed"].pk).update(is_active=False)
    if other_project is not None:
        elsewhere = tasks_of_other(other_project)
        assign(elsewhere, alice, leased_minutes_ago=60)
    for task in tasks.values():
        task.refresh_from_db()
    return LeaseMix(project=project, codebook=codebook, users=list(annotators), tasks=tasks, now=now)


def tasks_of_other(project) -> Task:
    row = {"external_id": "elsewhere-0", "prompt": "Elsewhere?", "kind": "pair",
           "candidates": [{"text": "Yes.", "producer": "m"}, {"text": "No.", "producer": "m"}]}
    import_jsonl(project=project, lines=[json.dumps(row)])
    return project.tasks.get()
