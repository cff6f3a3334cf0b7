"""Edit or undo: the earlier answer is kept, an undone label gives its slot back (the
task's count and the assignments stay exact), the project's window and the label's
owner are enforced, the kept figures follow, and snapshots keep what they froze."""
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.exports.builders.raw import pseudonym
from feedback.exports.datasets import BUILDERS, ExportSummary
from feedback.exports.filters import ExportFilters
from feedback.exports.services import snapshot_create, snapshot_path
from feedback.labelling.errors import InvalidAnswer, NothingToUndo, RevisionRefused
from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Assignment, AssignmentStatus, Label, LabelRevision, Task
from feedback.labelling.selectors import revisions_of
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.labels import Submission, label_submit, label_submit_and_next
from feedback.labelling.services.revisions import label_edit, label_undo, label_undo_last
from feedback.quality.dashboard import dashboard_from_labels
from feedback.quality.dashboard_kept import dashboard_kept
from feedback.quality.kept.folding import fold
from tests.quality.kept.test_exactness import assert_same


def submission(answer, **extra):
    return Submission(answer=answer, submission_id=uuid.uuid4(), time_spent_ms=1200, **extra)


def label_one(project, user, answer=None):
    """Lease the user's next task and answer it (pair: A unless told)."""
    assignment = assignment_next(project=project, user=user)
    label, _ = label_submit(assignment_id=assignment.pk, user=user, submission=submission(answer or {"choice": "A"}),
                            project_id=project.pk)
    return label


def live_and_done(task) -> int:
    """The task's finished labels and live leases: what the overlap bounds."""
    task.refresh_from_db()
    live = Assignment.objects.filter(task=task, status=AssignmentStatus.LEASED, expires_at__gt=timezone.now()).count()
    return task.labels_done + live


@pytest.fixture
def pairs(tasks_of):
    return tasks_of("pair", 3)


def test_undo_gives_the_slot_back_and_keeps_the_answer(project, annotators, pairs):
    alice, bob, carol = annotators
    label = label_one(project, alice, {"choice": "B", "strength": 2})
    task = label.task
    label_one(project, bob)
    assert Task.objects.get(pk=task.pk).labels_done == 2

    revision = label_undo(project=project, user=alice, label_id=label.pk)

    assert not Label.objects.filter(pk=label.pk).exists()
    task.refresh_from_db()
    assert task.labels_done == Label.objects.filter(task=task).count() == 1
    assignment = Assignment.objects.get(pk=label.assignment_id)
    assert assignment.status == AssignmentStatus.LEASED and assignment.expires_at > timezone.now()
    assert assignment.finished_at is None
    # The same slot: a finished label became a live lease, nothing more.
    assert live_and_done(task) == 2
    stored = LabelRevision.objects.get()
    assert stored == revision and stored.action == "undo" and stored.label is None
    assert (stored.task_id, stored.annotator_id, stored.assignment_id) == (task.pk, alice.pk, assignment.pk)
    assert stored.answer == {"choice": "B", "strength": 2} and stored.display_order == label.display_order
    assert stored.codebook_id == label.codebook_id and stored.changed_by == alice


def test_the_task_undone_is_shown_next_and_can_be_labelled_again(project, annotators, pairs):
    alice = annotators[0]
    first = label_submit_and_next(project=project, assignment_id=assignment_next(project=project, user=alice).pk,
                                  user=alice, submission=submission({"choice": "A"}))
    held_next = first.next
    assert held_next is not None and held_next.task_id != first.label.task_id

    label_undo_last(project=project, user=alice)

    # The lease taken with the submit went back to the pool; the undone task is theirs.
    assert Assignment.objects.get(pk=held_next.pk).status == AssignmentStatus.RELEASED
    again = assignment_next(project=project, user=alice)
    assert again.pk == first.label.assignment_id and again.task_id == first.label.task_id
    relabelled, created = label_submit(assignment_id=again.pk, user=alice, submission=submission({"choice": "tie"}),
                                       project_id=project.pk)
    assert created and relabelled.answer == {"choice": "tie", "strength": None}
    assert Task.objects.get(pk=again.task_id).labels_done == 1
    # The history of alice's answer to the task goes with the label given again.
    assert [r.answer for r in revisions_of(relabelled)] == [{"choice": "A", "strength": None}]


def test_undone_slot_is_exact_when_the_task_is_full(project, annotators, pairs):
    """Overlap 3, three labels: the undone one's lease keeps the task full, so nobody
    else is given it meanwhile, and no fourth label can ever be stored."""
    alice, bob, carol = annotators
    labels = [label_one(project, user) for user in annotators]
    task = labels[0].task
    assert {label.task_id for label in labels} == {task.pk} and live_and_done(task) == 3

    label_undo(project=project, user=bob, label_id=labels[1].pk)

    assert live_and_done(task) == 3
    task.refresh_from_db()
    assert task.labels_done == 2


def test_undo_last_takes_the_newest_and_then_the_one_before(project, annotators, pairs):
    alice = annotators[0]
    older = label_one(project, alice)
    newer = label_one(project, alice)
    assert label_undo_last(project=project, user=alice).assignment_id == newer.assignment_id
    assert label_undo_last(project=project, user=alice).assignment_id == older.assignment_id
    with pytest.raises(NothingToUndo):
        label_undo_last(project=project, user=alice)
    assert LabelRevision.objects.count() == 2


def test_an_undone_label_cannot_be_undone_twice(project, annotators, pairs):
    label = label_one(project, annotators[0])
    label_undo(project=project, user=annotators[0], label_id=label.pk)
    with pytest.raises(NothingToUndo, match="undone already"):
        label_undo(project=project, user=annotators[0], label_id=label.pk)
    assert LabelRevision.objects.count() == 1


def test_edit_keeps_the_previous_answer(project, annotators, pairs):
    alice = annotators[0]
    label = label_one(project, alice, {"choice": "A", "strength": 1})
    edited, revision = label_edit(project=project, user=alice, label_id=label.pk,
                                  answer={"choice": "B", "strength": "3"}, rewrite="  Better text. ", comment="oops")

    label.refresh_from_db()
    assert label.answer == edited.answer == {"choice": "B", "strength": 3}
    assert (label.rewrite, label.comment) == ("Better text.", "oops")
    assert (revision.action, revision.answer, revision.rewrite, revision.label) == ("edit", {"choice": "A", "strength": 1}, "", label)
    # The label keeps what it was given with: its time, order, codebook, and its slot.
    assert label.created_at == revision.label_created_at and label.display_order == revision.display_order
    assert Task.objects.get(pk=label.task_id).labels_done == 1

    unchanged, none = label_edit(project=project, user=alice, label_id=label.pk, answer={"choice": "B", "strength": 3},
                                 rewrite="Better text.", comment="oops")
    assert none is None and LabelRevision.objects.count() == 1


def test_edit_validates_as_submit_does_and_writes_nothing_when_refused(project, annotators, tasks_of):
    alice = annotators[0]
    tasks_of("rank", 1)
    assignment = assignment_next(project=project, user=alice)
    n = assignment.task.candidate_count
    label, _ = label_submit(assignment_id=assignment.pk, user=alice, project_id=project.pk,
                            submission=submission({"order": list(range(n))}, keep_shown_order=True))
    for bad in ({"order": [0] * n}, {"order": list(range(n - 1))}, {"choice": "A"}, {"order": [0, "1", 2][:n]}):
        with pytest.raises(InvalidAnswer, match=f"Rank all {n} responses"):
            label_edit(project=project, user=alice, label_id=label.pk, answer=bad)
    assert LabelRevision.objects.count() == 0
    assert Label.objects.get(pk=label.pk).answer == {"order": list(range(n))}
    label_edit(project=project, user=alice, label_id=label.pk, answer={"order": list(reversed(range(n)))})
    assert Label.objects.get(pk=label.pk).answer == {"order": list(reversed(range(n)))}


def test_only_the_annotator_may_change_their_label(project, annotators, reviewer, pairs):
    alice, bob, _ = annotators
    label = label_one(project, alice)
    for other in (bob, reviewer):
        with pytest.raises(RevisionRefused, match="Only the annotator"):
            label_edit(project=project, user=other, label_id=label.pk, answer={"choice": "B"})
        with pytest.raises(RevisionRefused, match="Only the annotator"):
            label_undo(project=project, user=other, label_id=label.pk)
    assert Label.objects.get(pk=label.pk).answer == {"choice": "A", "strength": None}
    assert LabelRevision.objects.count() == 0


def test_the_window_is_enforced(project, annotators, pairs):
    alice = annotators[0]
    project.labels_editable_minutes = 60
    project.save()
    label = label_one(project, alice)
    later = label.created_at + timedelta(minutes=61)
    with pytest.raises(RevisionRefused, match="1 hour after"):
        label_edit(project=project, user=alice, label_id=label.pk, answer={"choice": "B"}, now=later)
    with pytest.raises(RevisionRefused, match="1 hour after"):
        label_undo(project=project, user=alice, label_id=label.pk, now=later)
    within = label.created_at + timedelta(minutes=59)
    label_edit(project=project, user=alice, label_id=label.pk, answer={"choice": "B"}, now=within)
    assert Label.objects.get(pk=label.pk).answer["choice"] == "B"

    project.labels_editable_minutes = 0
    project.save()
    with pytest.raises(RevisionRefused, match="cannot be changed once submitted"):
        label_undo(project=project, user=alice, label_id=label.pk)


def test_a_label_of_another_project_is_no_label(project, annotators, pairs, make_user):
    from feedback.labelling.models import Project

    other = Project.objects.create(name="Other", slug="other")
    label = label_one(project, annotators[0])
    with pytest.raises(NothingToUndo):
        label_undo(project=other, user=annotators[0], label_id=label.pk)


def dashboards_agree(project):
    for filters in (LabelFilters(), LabelFilters(codebook_versions=[1])):
        kept, scratch = dashboard_kept(project, filters), dashboard_from_labels(project, filters)
        kept.pop("bounds"), scratch.pop("bounds")
        assert_same(kept, scratch, f"filters {filters}")


def test_kept_figures_equal_the_labels_after_edits_and_undos(project, annotators, pairs, tasks_of):
    tasks_of("thumbs", 2)
    labels = []
    for user in annotators:
        for _ in range(4):
            assignment = assignment_next(project=project, user=user)
            if assignment is None:
                break
            answer = ({"choice": "A"} if assignment.task.kind == "pair"
                      else {"thumbs": {str(p): "up" for p in range(assignment.task.candidate_count)}})
            labels.append(label_submit(assignment_id=assignment.pk, user=user, submission=submission(answer))[0])
    fold()
    dashboards_agree(project)
    pair_labels = [label for label in labels if label.kind == "pair"]
    thumbs_labels = [label for label in labels if label.kind == "thumbs"]
    label_edit(project=project, user=pair_labels[0].annotator, label_id=pair_labels[0].pk, answer={"choice": "B"})
    label_edit(project=project, user=thumbs_labels[0].annotator, label_id=thumbs_labels[0].pk,
               answer={"thumbs": {str(p): "down" for p in range(thumbs_labels[0].task.candidate_count)}})
    label_undo(project=project, user=pair_labels[1].annotator, label_id=pair_labels[1].pk)
    dashboards_agree(project)  # before the fold: the changed tasks are read from their labels
    fold()
    dashboards_agree(project)


def raw_rows(project):
    return list(BUILDERS["raw"](project, ExportFilters(), ExportSummary()))


def test_raw_export_carries_each_labels_revisions(project, annotators, pairs):
    alice, bob, _ = annotators
    label = label_one(project, alice, {"choice": "A"})
    label_one(project, bob)
    label_edit(project=project, user=alice, label_id=label.pk, answer={"choice": "B"}, comment="second thoughts")
    label_undo(project=project, user=alice, label_id=label.pk)
    again = assignment_next(project=project, user=alice)
    label_submit(assignment_id=again.pk, user=alice, submission=submission({"choice": "tie"}))

    rows = raw_rows(project)
    mine = [row for row in rows if row["annotator"] == pseudonym(project, alice.pk)]
    assert len(rows) == 2 and len(mine) == 1
    assert mine[0]["answer"] == {"choice": "tie", "strength": None}
    history = mine[0]["revisions"]
    assert [(r["action"], r["answer"], r["comment"]) for r in history] == [
        ("edit", {"choice": "A", "strength": None}, ""), ("undo", {"choice": "B", "strength": None}, "second thoughts")]
    assert history[0]["codebook_version"] == 1 and history[0]["given_at"] and history[0]["changed_at"]
    assert [row["revisions"] for row in rows if row not in mine] == [[]]


def test_raw_parquet_keeps_revisions(project, annotators, pairs, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from feedback.exports.services import export_to_path

    label = label_one(project, annotators[0], {"choice": "A"})
    label_edit(project=project, user=annotators[0], label_id=label.pk, answer={"choice": "B"})
    export_to_path(project=project, dataset="raw", fmt="parquet", path=tmp_path / "raw.parquet", filters=ExportFilters())
    (row,) = pq.read_table(tmp_path / "raw.parquet").to_pylist()
    assert json.loads(row["answer"]) == {"choice": "B", "strength": None}
    assert [(r["action"], json.loads(r["answer"])) for r in row["revisions"]] == [("edit", {"choice": "A", "strength": None})]


def snapshot_rows(snapshot) -> list[dict]:
    folder = snapshot_path(snapshot)
    return [json.loads(line) for name in ("train.jsonl", "heldout.jsonl")
            for line in (folder / name).read_text(encoding="utf-8").splitlines()]


def test_a_snapshot_keeps_a_label_as_it_was(project, annotators, pairs):
    alice, bob, carol = annotators
    labels = [label_one(project, user, {"choice": "A"}) for user in annotators]
    snapshot = snapshot_create(project=project, dataset="raw")
    before = snapshot_rows(snapshot)
    preference = snapshot_create(project=project, dataset="preference")
    pairs_before = snapshot_rows(preference)

    label_edit(project=project, user=alice, label_id=labels[0].pk, answer={"choice": "B"})
    label_edit(project=project, user=bob, label_id=labels[1].pk, answer={"choice": "B"})
    label_undo(project=project, user=carol, label_id=labels[2].pk)

    assert snapshot_rows(snapshot) == before
    assert {row["label_id"]: row["answer"]["choice"] for row in before} == {label.pk: "A" for label in labels}
    assert all(row["revisions"] == [] for row in before)
    assert snapshot_rows(preference) == pairs_before and len(pairs_before) == 1
    # An export made now reads the labels as they are.
    assert sorted(row["answer"]["choice"] for row in raw_rows(project)) == ["B", "B"]
