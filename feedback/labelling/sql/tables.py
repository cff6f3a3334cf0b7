"""The labelling tables as the statements name them, and the joins they share (aliases:
see feedback/labelling/sql/__init__.py)."""
from django.contrib.auth import get_user_model

from feedback.labelling.models import (
    Assignment,
    Candidate,
    CodebookAcknowledgement,
    CodebookVersion,
    Label,
    Membership,
    Project,
    Prompt,
    Task,
    TaskCandidate,
)
from feedback.labelling.sql.rows import table

ACKNOWLEDGEMENT = table(CodebookAcknowledgement)
ASSIGNMENT = table(Assignment)
CANDIDATE = table(Candidate)
CODEBOOK = table(CodebookVersion)
LABEL = table(Label)
MEMBERSHIP = table(Membership)
PROJECT = table(Project)
PROMPT = table(Prompt)
TASK = table(Task)
TASK_CANDIDATE = table(TaskCandidate)
USER = table(get_user_model())

# An assignment with its task: the annotator's lease, their assignment, the submit's lock.
ASSIGNMENT_WITH_TASK = f'{ASSIGNMENT} assignment INNER JOIN {TASK} task ON task."id" = assignment."task_id"'
# A label with its task: the annotator's labels in a project, a stored label's payload.
LABEL_WITH_TASK = f'{LABEL} label INNER JOIN {TASK} task ON task."id" = label."task_id"'
# The task's key, for fragments that take the task they are about (leases.not_mine, ...).
TASK_ID = 'task."id"'
