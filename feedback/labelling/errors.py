"""Errors the labelling services raise; views and the API turn them into messages."""


class LabellingError(Exception):
    """A request that cannot be honoured; the message is safe to show to the user."""

    status_code = 400


class CodebookNotAcknowledged(LabellingError):
    status_code = 409


class QuizNotPassed(LabellingError):
    """The codebook version carries a quiz the annotator has not passed yet."""

    status_code = 409


class AssignmentGone(LabellingError):
    """The lease expired and the slot went to someone else, or the task is closed."""

    status_code = 409


class NoSuchAssignment(LabellingError):
    status_code = 404


class InvalidAnswer(LabellingError):
    status_code = 400


class SubmissionIdReused(LabellingError):
    """The submission id already stored another assignment's label: a client bug (an id
    kept from an earlier task) that must not pass for a saved label."""

    status_code = 409


class ImportRejected(LabellingError):
    """A bad import file: nothing was written. `errors` holds (line number, reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        shown = "; ".join(f"line {n}: {reason}" for n, reason in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"Import rejected, nothing written. {shown}{more}")


class RevisionRefused(LabellingError):
    """An edit or undo the project does not allow: not the caller's label, or its
    editing window has passed."""

    status_code = 403


class NothingToUndo(LabellingError):
    """No such label of the caller's (undone already, or never given)."""

    status_code = 404
