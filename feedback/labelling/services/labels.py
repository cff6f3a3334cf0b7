"""Submitting labels: validation of the answer per task kind, idempotent submit."""
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from feedback.labelling.errors import (
    AssignmentGone,
    CodebookNotAcknowledged,
    InvalidAnswer,
    LabellingError,
    NoSuchAssignment,
    SubmissionIdReused,
)
from feedback.labelling.models import (
    Assignment,
    AssignmentStatus,
    CodebookVersion,
    Label,
    PairChoice,
    Project,
    Prompt,
    Task,
    TaskKind,
)
from feedback.labelling.rubric import Aspect, aspects_for, position_keys, rubric_of, valid_ratings
from feedback.labelling.selectors import live_leases, turns_context
from feedback.labelling.services.assignments import assignment_next, task_is_unlimited
from feedback.labelling.services.codebooks import codebook_require_acknowledged
from feedback.labelling.sql import labels as sql
from feedback.labelling.sql.rows import converted, db_datetime, execute, first_row_of, insert
from feedback.labelling.turns import valid_turns

RUBRIC = CodebookVersion._meta.get_field("rubric")
MAX_TIME_SPENT_MS = 24 * 60 * 60 * 1000
MAX_FREE_TEXT = 20_000
STRENGTHS = (1, 2, 3)


def validate_answer(*, kind: str, n_candidates: int, answer, aspects: Sequence[Aspect] = (), turns=()) -> dict:
    """Check an answer against the task kind, its candidate count and the rubric of the
    codebook version it is given under (`aspects`: all of that rubric's aspects); return
    it in the stored, canonical form (see Label's docstring). Whatever JSON a client
    sends, a bad answer is an InvalidAnswer with a message, never a TypeError: positions
    are whole numbers (not bools, not 1.0), each value is checked for its type before it
    is compared or sorted.

    A rate answer is its ratings alone; a pair or rank answer carries ratings beside its
    choice or order exactly when the rubric rates that kind (feedback.labelling.rubric).
    A turns answer judges each of `turns`, the task's judged turn indices
    (feedback.labelling.turns.turn_indices, given by selectors.turns_context)."""
    if not isinstance(answer, dict):
        raise InvalidAnswer("The answer must be an object.")
    rated = aspects_for(aspects, kind)
    if kind == TaskKind.TURNS:
        return _valid_turns(answer, turns, rated)
    if kind == TaskKind.RATE:
        if not rated:
            raise InvalidAnswer(NO_RATE_ASPECTS)
        return {"ratings": valid_ratings(answer.get("ratings"), rated, position_keys(n_candidates))}
    stored = _valid_unrated(kind, n_candidates, answer)
    if kind in (TaskKind.PAIR, TaskKind.RANK):
        if rated:
            stored["ratings"] = valid_ratings(answer.get("ratings"), rated, position_keys(n_candidates))
        elif "ratings" in answer:
            raise InvalidAnswer(f'This codebook version rates no aspects on {kind} tasks: send no "ratings".')
    return stored


NO_RATE_ASPECTS = ("This codebook version's rubric has no aspects for rate tasks, so they cannot be answered: "
                   'an admin publishes a version whose rubric gives aspects the kind "rate".')


def _valid_unrated(kind: str, n_candidates: int, answer: dict) -> dict:
    """The answer of a kind that picks, ranks or thumbs, without ratings."""
    if kind == TaskKind.THUMBS:
        return {"thumbs": _valid_thumbs(answer.get("thumbs"), n_candidates)}
    if kind == TaskKind.PAIR:
        choice = answer.get("choice")
        if not isinstance(choice, str) or choice not in PairChoice.values:
            raise InvalidAnswer('Choose A, B, tie or both bad: "choice" is "A", "B", "tie" or "both_bad".')
        strength = _valid_strength(answer.get("strength"))
        return {"choice": choice, "strength": strength if choice in (PairChoice.A, PairChoice.B) else None}
    if kind == TaskKind.RANK:
        order = answer.get("order")
        if (not isinstance(order, list) or len(order) != n_candidates
                or not all(_is_whole_number(x) for x in order) or sorted(order) != list(range(n_candidates))):
            raise InvalidAnswer(f'Rank all {n_candidates} responses, each exactly once: "order" lists the '
                                f"positions 0 to {n_candidates - 1} (whole numbers), best first.")
        return {"order": list(order)}
    raise InvalidAnswer(f"Unknown task kind {kind!r}.")


def _valid_turns(answer: dict, turns, aspects) -> dict:
    """A per-turn answer: only "turns", each judged turn's thumb (and points)."""
    if set(answer) - {"turns"}:
        raise InvalidAnswer('A per-turn answer is {"turns": {"<turn index>": {"thumb": "up"|"down"}, ...}}.')
    if not turns:
        raise InvalidAnswer("This conversation has no assistant turn to judge.")
    return {"turns": valid_turns(answer.get("turns"), turns, aspects)}


def _is_whole_number(value) -> bool:
    """A JSON integer: bool is an int subclass in Python, and 1.0 is not a position."""
    return type(value) is int


def _position(key, n_candidates: int) -> int | None:
    """A thumbs key as a canonical position: "0".."n-1" (JSON object keys are strings;
    Python callers may pass ints); None for anything else ("01", "1.0", True, ...)."""
    if _is_whole_number(key):
        position = key
    elif isinstance(key, str) and 0 < len(key) <= 4 and key.isascii() and key.isdigit() and key == str(int(key)):
        position = int(key)
    else:
        return None
    return position if 0 <= position < n_candidates else None


def _valid_thumbs(thumbs, n_candidates: int) -> dict:
    wanted = (f'Give a thumbs up or down for each of the {n_candidates} responses: "thumbs" maps each '
              f'position 0 to {n_candidates - 1} to "up" or "down".')
    if not isinstance(thumbs, dict) or len(thumbs) != n_candidates:
        raise InvalidAnswer(wanted)
    by_position = {}
    for key, value in thumbs.items():
        position = _position(key, n_candidates)
        if position is None or position in by_position:
            raise InvalidAnswer(wanted)
        if not isinstance(value, str) or value not in ("up", "down"):
            raise InvalidAnswer('Each thumb is "up" or "down".')
        by_position[position] = value
    return {str(position): by_position[position] for position in range(n_candidates)}


def _valid_strength(strength) -> int | None:
    """1..3, or None when not given; the form posts it as a string."""
    if strength in ("", None):
        return None
    if isinstance(strength, str) and strength.strip() in ("1", "2", "3"):
        return int(strength)
    if _is_whole_number(strength) and strength in STRENGTHS:
        return strength
    raise InvalidAnswer("Strength is 1 (slightly), 2 (clearly) or 3 (much) better, or null.")


UNTOUCHED_RANK = (
    "This ranking is the order the responses were shown in. Put them in your order first, "
    "or confirm that the shown order is your ranking (on the page: the k key; "
    'in the API: "keep_shown_order": true).'
)


@dataclass
class Submission:
    answer: dict
    submission_id: uuid.UUID
    time_spent_ms: int
    rewrite: str = ""
    comment: str = ""
    codebook_version: int | None = None  # the version the annotator saw; None: the active one
    # A rank equal to the order shown is taken only with this: the annotator looked and
    # kept it (else an untouched page, Enter pressed, would store the display order).
    keep_shown_order: bool = False


def label_submit(
    *, assignment_id: int, user, submission: Submission, project_id: int | None = None, now=None
) -> tuple[Label, bool]:
    """Store the annotator's answer to their assignment (of `project_id`, when given).
    Returns (label, created): a retried submit with the same submission id returns the
    stored label and creates nothing."""
    label, created, _ = _submit(assignment_id=assignment_id, user=user, submission=submission,
                                project_id=project_id, now=now, lease_in=None)
    return label, created


class SubmitAndNext(NamedTuple):
    label: Label
    created: bool
    next: Assignment | None  # None: nothing is left for them, or next_refused
    next_refused: CodebookNotAcknowledged | None = None


def label_submit_and_next(*, project: Project, assignment_id: int, user, submission: Submission) -> SubmitAndNext:
    """label_submit, then the annotator's next assignment, leased only while they have
    acknowledged the active codebook (else next_refused says why; the label is stored
    all the same: it was given under the version the annotator saw).

    A new label under the active codebook (acknowledged, or it would have been refused)
    commits together with the next lease, in one transaction: two round trips and a WAL
    flush fewer per label than one after the other. A retry, which stores nothing, or a
    label under an earlier version, passes the codebook gate and leases on its own."""
    label, created, following = _submit(assignment_id=assignment_id, user=user, submission=submission,
                                        project_id=project.pk, now=None, lease_in=project)
    if following is not _NOT_LEASED:
        return SubmitAndNext(label, created, following)
    try:
        codebook_require_acknowledged(project=project, user=user)
    except CodebookNotAcknowledged as refusal:
        return SubmitAndNext(label, created, None, refusal)
    return SubmitAndNext(label, created, assignment_next(project=project, user=user))


_NOT_LEASED = object()  # the submit leased no next task (none asked, or not in its transaction)


def _submit(*, assignment_id: int, user, submission: Submission, project_id: int | None, now, lease_in: Project | None):
    """(label, created, next lease or _NOT_LEASED); see _label_create."""
    try:
        label, following = _label_create(assignment_id=assignment_id, user=user, submission=submission,
                                         project_id=project_id, now=now, lease_in=lease_in)
        return label, True, following
    except (IntegrityError, AssignmentGone) as error:
        # A retry (or a concurrent duplicate) of a submit that was already stored.
        existing = _stored_label(submission.submission_id)
        if existing is None:
            raise
        if existing.annotator_id != user.pk or existing.assignment_id != assignment_id:
            # A submission id belongs to one assignment: answering with the label stored
            # under it would tell the client this task was saved while it stays leased.
            raise SubmissionIdReused("This submission id was already used for another task's label; "
                                     "nothing was saved for this one. Send it again with a new submission id.") from error
        return existing, False, _NOT_LEASED


def _stored_label(submission_id: uuid.UUID) -> Label | None:
    """The label stored under a submission id, with what its API payload reads (the
    prompt's external id, the annotator's name, the codebook version). One plain
    statement: clients retry, and the ORM's select_related cost as much as a whole submit."""
    key = Label._meta.get_field("submission_id").get_db_prep_value(submission_id, connection)
    row = first_row_of((Label,), sql.stored_label(), {"submission": key})
    if row is None:
        return None
    label, prompt_id, external_id, username, version = row
    alias = connection.alias
    label.task = Task.from_db(alias, ["id", "prompt_id"], [label.task_id, prompt_id])
    label.task.prompt = Prompt.from_db(alias, ["id", "external_id"], [prompt_id, external_id])
    label.annotator = get_user_model().from_db(alias, ["id", "username"], [label.annotator_id, username])
    label.codebook = CodebookVersion.from_db(alias, ["id", "version"], [label.codebook_id, version])
    return label


def _locked_assignment(assignment_id: int, user, chosen_version: int | None) -> tuple | None:
    """(assignment, codebook, acknowledged): the caller's assignment with its task (and
    the task's prompt id and project overlap), and the codebook the label is given under
    (the version the annotator saw, else the active one, with its rubric; None if there
    is no such version) with whether the caller acknowledged it; the task row locked: serialized
    with the assignment service (see assignments.py). One plain statement (hot path):
    sql.labels.locked_assignment."""
    params = {"assignment": assignment_id, "annotator": user.pk, **({"version": chosen_version} if chosen_version else {})}
    row = first_row_of((Assignment, Task), sql.locked_assignment(chosen_version=bool(chosen_version)), params)
    if row is None:
        return None
    assignment, task, external_id, overlap, codebook_id, codebook_version, codebook_active, rubric, codebook_acked = row
    # Only what labelling reads of them: the prompt's external id (the label's payload)
    # and the project's overlap (an expired lease's check).
    task.prompt = Prompt.from_db(connection.alias, ["id", "external_id"], [task.prompt_id, external_id])
    task.project = Project.from_db(connection.alias, ["id", "overlap"], [task.project_id, overlap])
    assignment.task = task
    # from_db takes the values in the model's field order (rubric before is_active).
    codebook = None if codebook_id is None else CodebookVersion.from_db(
        connection.alias, ["id", "project_id", "version", "rubric", "is_active"],
        [codebook_id, task.project_id, codebook_version, converted(RUBRIC, rubric), codebook_active]
    )
    return assignment, codebook, bool(codebook_acked)


def _label_create(*, assignment_id: int, user, submission: Submission, project_id: int | None, now, lease_in: Project | None):
    """Check and store the label in one transaction: (label, the next lease or
    _NOT_LEASED). With `lease_in`, a label under the active codebook is followed by the
    annotator's next lease in that project, in the same transaction (an error there
    rolls the label back too: the client, told of the error, retries the submit).

    A refusal (a retried submit, a bad answer...) is raised only once the transaction
    has ended, committed: the checks come before any write, so it commits nothing, and
    raised inside it would roll back instead — and psycopg answers every rollback by
    dropping all the connection's prepared statements (DEALLOCATE ALL), so each refused
    client retry made that connection parse and plan every hot-path statement anew (a
    large share of Postgres's CPU under the load bench's retries: bench/README.md)."""
    with transaction.atomic():
        try:
            label = _checked_and_stored(assignment_id=assignment_id, user=user, submission=submission,
                                        project_id=project_id, now=now or timezone.now())
        except LabellingError as error:
            refusal = error
        else:
            if lease_in is None or not label.codebook.is_active:
                return label, _NOT_LEASED
            return label, assignment_next(project=lease_in, user=user)
    raise refusal


def _checked_and_stored(*, assignment_id: int, user, submission: Submission, project_id: int | None, now) -> Label:
    """Every check (raising LabellingError) comes before the first write."""
    locked = _locked_assignment(assignment_id, user, submission.codebook_version)
    if locked is None or (project_id is not None and locked[0].task.project_id != project_id):
        raise NoSuchAssignment("No such assignment of yours.")
    assignment, codebook, acknowledged = locked
    task = assignment.task
    if assignment.status == AssignmentStatus.DONE:
        raise AssignmentGone("You already labelled this task.")
    if assignment.status == AssignmentStatus.SKIPPED:
        raise AssignmentGone("You skipped this task.")
    if not task.is_active:
        raise AssignmentGone("This task was closed.")
    expired = assignment.status == AssignmentStatus.RELEASED or assignment.expires_at <= now
    if expired and not task_is_unlimited(task=task):
        others = live_leases(task_id=task.pk, now=now, exclude_assignment=assignment.pk)
        if task.labels_done + others >= task.project.overlap:
            raise AssignmentGone("Your lease on this task expired and it was given to someone else.")
    answer = validate_answer(kind=task.kind, n_candidates=task.candidate_count, answer=submission.answer,
                             aspects=rubric_of(codebook), **turns_context(task=task))
    if task.kind == TaskKind.RANK and answer["order"] == assignment.display_order and not submission.keep_shown_order:
        raise InvalidAnswer(UNTOUCHED_RANK)
    if not 0 <= submission.time_spent_ms <= MAX_TIME_SPENT_MS:
        raise InvalidAnswer("time spent is out of range")
    if codebook is None:
        raise InvalidAnswer("This project has no such codebook version to label under.")
    if not acknowledged:
        raise CodebookNotAcknowledged(f"Read and acknowledge codebook v{codebook.version} before labelling.")
    label = Label(
        assignment=assignment,
        task=task,
        annotator=user,
        codebook=codebook,
        kind=task.kind,
        answer=answer,
        rewrite=submission.rewrite.strip()[:MAX_FREE_TEXT],
        comment=submission.comment.strip()[:MAX_FREE_TEXT],
        display_order=assignment.display_order,
        time_spent_ms=submission.time_spent_ms,
        submission_id=submission.submission_id,
        created_at=now,
    )
    insert(label)
    execute((sql.LEASE_DONE, {"now": db_datetime(now), "assignment": assignment.pk}),
            (sql.TASK_LABELLED, {"task": task.pk}))
    return label
