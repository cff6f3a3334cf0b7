import uuid

import pytest
from django.db import connection

from feedback.labelling.errors import AssignmentGone, CodebookNotAcknowledged, InvalidAnswer, SubmissionIdReused
from feedback.labelling.models import AssignmentStatus, Label
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
from feedback.labelling.services.labels import Submission, label_submit, label_submit_and_next, validate_answer


@pytest.mark.parametrize(
    "kind,n,answer,stored",
    [
        ("pair", 2, {"choice": "B", "strength": "3"}, {"choice": "B", "strength": 3}),
        ("pair", 2, {"choice": "tie", "strength": 2}, {"choice": "tie", "strength": None}),
        ("thumbs", 2, {"thumbs": {"1": "down", "0": "up"}}, {"thumbs": {"0": "up", "1": "down"}}),
        ("rank", 3, {"order": [2, 0, 1]}, {"order": [2, 0, 1]}),
    ],
)
def test_valid_answers_are_stored_canonically(kind, n, answer, stored):
    assert validate_answer(kind=kind, n_candidates=n, answer=answer) == stored


@pytest.mark.parametrize(
    "kind,n,answer",
    [
        ("pair", 2, {"choice": "C"}),
        ("pair", 2, {"choice": "A", "strength": 7}),
        ("thumbs", 2, {"thumbs": {"0": "up"}}),
        ("thumbs", 1, {"thumbs": {"0": "meh"}}),
        ("rank", 3, {"order": [0, 0, 1]}),
        ("rank", 3, {"order": [0, 1]}),
        ("rank", 2, "0,1"),
    ],
)
def test_invalid_answers_are_refused(kind, n, answer):
    with pytest.raises(InvalidAnswer):
        validate_answer(kind=kind, n_candidates=n, answer=answer)


@pytest.mark.parametrize(
    "kind,n,answer,message",
    [
        # Unorderable or not whole numbers: sorted() raised TypeError, or 1.0 and True passed for 1.
        ("rank", 3, {"order": [0, "1", 2]}, '"order" lists the positions 0 to 2'),
        ("rank", 3, {"order": [None, 1, 2]}, "Rank all 3 responses"),
        ("rank", 3, {"order": [[0], 1, 2]}, "Rank all 3 responses"),
        ("rank", 3, {"order": [{"a": 1}, 1, 2]}, "Rank all 3 responses"),
        ("rank", 3, {"order": [0, True, 2]}, "Rank all 3 responses"),
        ("rank", 3, {"order": [0, 1.0, 2]}, "whole numbers"),
        ("rank", 3, {"order": [0, 1, 2**80]}, "Rank all 3 responses"),
        ("rank", 3, {"order": [0, 1, float("nan")]}, "Rank all 3 responses"),
        ("rank", 3, {"order": {"0": 1}}, "Rank all 3 responses"),
        # Thumbs: keys that are not positions, values that are not "up"/"down".
        ("thumbs", 2, {"thumbs": {"0": ["up"], "1": "down"}}, 'Each thumb is "up" or "down".'),
        ("thumbs", 2, {"thumbs": {"0": None, "1": "down"}}, 'Each thumb is "up" or "down".'),
        ("thumbs", 2, {"thumbs": {"0": "up", "01": "down"}}, "for each of the 2 responses"),
        ("thumbs", 2, {"thumbs": {True: "up", "1": "down"}}, "for each of the 2 responses"),
        ("thumbs", 2, {"thumbs": {0: "up", "0": "down"}}, "for each of the 2 responses"),
        ("thumbs", 2, {"thumbs": {"0": "up", "9" * 5000: "down"}}, "for each of the 2 responses"),
        ("thumbs", 2, {"thumbs": ["up", "down"]}, "for each of the 2 responses"),
        # Pair: choice and strength of odd types (inf raised OverflowError, 2.5 was stored as 2).
        ("pair", 2, {"choice": ["A"]}, "Choose A, B"),
        ("pair", 2, {"choice": {"A": 1}}, "Choose A, B"),
        ("pair", 2, {"choice": "A", "strength": float("inf")}, "Strength is 1"),
        ("pair", 2, {"choice": "A", "strength": float("nan")}, "Strength is 1"),
        ("pair", 2, {"choice": "A", "strength": 2.5}, "Strength is 1"),
        ("pair", 2, {"choice": "A", "strength": True}, "Strength is 1"),
        ("pair", 2, {"choice": "A", "strength": [2]}, "Strength is 1"),
        ("pair", 2, {"choice": "A", "strength": 2**80}, "Strength is 1"),
    ],
)
def test_answers_of_odd_types_are_refused_with_a_message(kind, n, answer, message):
    with pytest.raises(InvalidAnswer) as refused:
        validate_answer(kind=kind, n_candidates=n, answer=answer)
    assert message in str(refused.value)


def test_int_positions_from_python_callers_are_stored_as_the_canonical_strings():
    assert validate_answer(kind="thumbs", n_candidates=2, answer={"thumbs": {1: "up", 0: "down"}}) == {"thumbs": {"0": "down", "1": "up"}}


def test_resubmitting_the_same_submission_id_stores_one_label(project, annotators, tasks_of):
    tasks_of("pair", 1)
    user = annotators[0]
    assignment = assignment_next(project=project, user=user)
    submission = Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=900)
    first, created = label_submit(assignment_id=assignment.pk, user=user, submission=submission)
    again, created_again = label_submit(assignment_id=assignment.pk, user=user, submission=submission)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Label.objects.count() == 1
    # The retry's label carries what the label's payload reads, as stored.
    stored = Label.objects.select_related("task__prompt", "annotator", "codebook").get(pk=first.pk)
    assert _payload_fields(again) == _payload_fields(stored)
    assignment.task.refresh_from_db()
    assert assignment.task.labels_done == 1



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refused_submit_keeps_the_connections_prepared_statements(postgres, project, annotators, tasks_of):
    """A refusal must not roll the transaction back: psycopg drops every prepared
    statement of the connection on a rollback, and clients retry submits all the time."""
    tasks_of("pair", 1)
    user = annotators[0]
    assignment = assignment_next(project=project, user=user)

    def submit():
        submission = Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=900)
        return label_submit(assignment_id=assignment.pk, user=user, submission=submission)

    submit()
    for _ in range(4):  # refused (a new submission id for a labelled task), past the prepare threshold
        with pytest.raises(AssignmentGone):
            submit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FOR NO KEY UPDATE OF t" in statement for statement in prepared), prepared


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_label_and_the_next_lease_commit_in_one_transaction(postgres, project, annotators, tasks_of):
    """One commit for both (a round trip and a WAL flush fewer each): the rows carry the
    id of the transaction that wrote them (xmin)."""
    tasks_of("pair", 2)
    user = annotators[0]
    first = assignment_next(project=project, user=user)
    submission = Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=900)
    result = label_submit_and_next(project=project, assignment_id=first.pk, user=user, submission=submission)
    assert result.created and result.next is not None and result.next.task_id != first.task_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM labelling_label WHERE id = %s", [result.label.pk])
        label_xid = cursor.fetchone()[0]
        cursor.execute("SELECT xmin::text FROM labelling_assignment WHERE id = %s", [result.next.pk])
        lease_xid = cursor.fetchone()[0]
    assert label_xid == lease_xid


def test_a_retried_submit_with_next_returns_the_stored_label_and_the_held_lease(project, annotators, tasks_of):
    tasks_of("pair", 3)
    user = annotators[0]
    first = assignment_next(project=project, user=user)
    submission = Submission(answer={"choice": "B"}, submission_id=uuid.uuid4(), time_spent_ms=900)
    stored = label_submit_and_next(project=project, assignment_id=first.pk, user=user, submission=submission)
    retried = label_submit_and_next(project=project, assignment_id=first.pk, user=user, submission=submission)
    assert (stored.created, retried.created) == (True, False)
    assert retried.label.pk == stored.label.pk and retried.next.pk == stored.next.pk
    assert Label.objects.count() == 1


def _payload_fields(label: Label) -> tuple:
    """What the label's API payload reads of it and its relations."""
    return (label.task_id, label.task.prompt.external_id, label.annotator.username, label.codebook.version,
            label.kind, label.answer, label.display_order, label.time_spent_ms, label.submission_id, label.created_at)


def test_label_records_codebook_display_order_and_time(project, annotators, tasks_of, codebook):
    tasks_of("rank", 1)
    user = annotators[0]
    assignment = assignment_next(project=project, user=user)
    label, _ = label_submit(assignment_id=assignment.pk,
        user=user,
        submission=Submission(answer={"order": [1, 2, 0]}, submission_id=uuid.uuid4(), time_spent_ms=4321, rewrite=" Better. ",
                              keep_shown_order=True),
    )
    assert label.codebook == codebook
    assert label.display_order == assignment.display_order
    assert label.time_spent_ms == 4321
    assert label.rewrite == "Better."


def test_a_new_codebook_must_be_acknowledged_before_labelling(project, annotators, tasks_of, admin_user):
    tasks_of("pair", 2)
    user = annotators[0]
    v2 = codebook_publish(project=project, text="New rules.", author=admin_user)
    assignment = assignment_next(project=project, user=user)
    with pytest.raises(CodebookNotAcknowledged):
        label_submit(assignment_id=assignment.pk,
            user=user,
            submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=1),
        )
    codebook_acknowledge(user=user, codebook=v2)
    label, _ = label_submit(assignment_id=assignment.pk,
        user=user,
        submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=1),
    )
    assert label.codebook == v2


def test_someone_elses_submission_id_is_refused(project, annotators, tasks_of):
    tasks_of("pair", 2)
    sid = uuid.uuid4()
    a0 = assignment_next(project=project, user=annotators[0])
    label_submit(assignment_id=a0.pk, user=annotators[0], submission=Submission(answer={"choice": "A"}, submission_id=sid, time_spent_ms=1))
    a1 = assignment_next(project=project, user=annotators[1])
    with pytest.raises(SubmissionIdReused):
        label_submit(assignment_id=a1.pk, user=annotators[1], submission=Submission(answer={"choice": "B"}, submission_id=sid, time_spent_ms=1))


def test_a_submission_id_belongs_to_one_assignment(project, annotators, tasks_of):
    """Reused for the annotator's next task, it used to answer with the first task's
    label (a saved-looking 200) while the second stayed leased."""
    project.gold_rate = 0
    project.save()
    tasks_of("pair", 2)
    user, sid = annotators[0], uuid.uuid4()
    first = assignment_next(project=project, user=user)
    stored, _ = label_submit(assignment_id=first.pk, user=user,
                             submission=Submission(answer={"choice": "A"}, submission_id=sid, time_spent_ms=900))
    second = assignment_next(project=project, user=user)
    with pytest.raises(SubmissionIdReused, match="already used for another task"):
        label_submit(assignment_id=second.pk, user=user,
                     submission=Submission(answer={"choice": "B"}, submission_id=sid, time_spent_ms=900))
    second.refresh_from_db()
    assert second.status == AssignmentStatus.LEASED and Label.objects.get().pk == stored.pk
    # A retry for the first assignment is still idempotent; the second takes a fresh id.
    again, created = label_submit(assignment_id=first.pk, user=user,
                                  submission=Submission(answer={"choice": "A"}, submission_id=sid, time_spent_ms=900))
    assert (again.pk, created) == (stored.pk, False)
    label, created = label_submit(assignment_id=second.pk, user=user,
                                  submission=Submission(answer={"choice": "B"}, submission_id=uuid.uuid4(), time_spent_ms=900))
    assert created and label.assignment_id == second.pk and Label.objects.count() == 2


def test_a_rank_in_the_order_shown_needs_the_annotator_to_keep_it(project, annotators, tasks_of):
    tasks_of("rank", 1)
    user = annotators[0]
    assignment = assignment_next(project=project, user=user)
    shown = assignment.display_order

    def submit(order, **flag):
        return label_submit(assignment_id=assignment.pk, user=user,
                            submission=Submission(answer={"order": order}, submission_id=uuid.uuid4(), time_spent_ms=900, **flag))

    with pytest.raises(InvalidAnswer, match="keep_shown_order"):
        submit(shown)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.LEASED and not Label.objects.exists()
    label, created = submit(shown, keep_shown_order=True)
    assert created and label.answer == {"order": shown}


def test_a_rank_in_another_order_needs_no_flag(project, annotators, tasks_of):
    tasks_of("rank", 1)
    user = annotators[0]
    assignment = assignment_next(project=project, user=user)
    reordered = assignment.display_order[1:] + assignment.display_order[:1]
    label, created = label_submit(assignment_id=assignment.pk, user=user,
                                  submission=Submission(answer={"order": reordered}, submission_id=uuid.uuid4(), time_spent_ms=9))
    assert created and label.answer == {"order": reordered}
