"""Reads of the labelling app: membership and roles, progress, what a user may see."""
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from feedback.labelling.models import (
    Assignment,
    CodebookAcknowledgement,
    CodebookVersion,
    Label,
    LabelRevision,
    Membership,
    Project,
    Prompt,
    Role,
    Task,
    TaskKind,
)
from feedback.labelling.rubric import rubric_of
from feedback.labelling.sql import assignments as assignment_sql
from feedback.labelling.sql import leases as lease_sql
from feedback.labelling.sql import progress as progress_sql
from feedback.labelling.sql import projects as project_sql
from feedback.labelling.sql import tasks as task_sql
from feedback.labelling.sql.rows import converted, db_datetime, fetch_all, fetch_one, first_row_of
from feedback.labelling.turns import turn_indices


def membership_for(user, project: Project) -> Membership | None:
    """The user's membership; superusers act as project admins everywhere."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, project=project).first()
    if membership is None and user.is_superuser:
        return Membership(user=user, project=project, role=Role.ADMIN)
    return membership


def project_with_membership(user, slug: str) -> tuple[Project, Membership] | None:
    """The project and the user's membership (superusers: an admin one), or None when
    there is no such project or the user is not a member. Every project page and API
    call starts here: one plain statement (see feedback/labelling/sql/)."""
    row = first_row_of((Project, Membership), project_sql.project_with_membership(), {"user": user.pk, "slug": slug})
    if row is None:
        return None
    project, membership = row
    if membership.pk is None:  # no membership row
        membership = membership_for(user, project)  # superusers
        if membership is None:
            return None
    membership.project = project
    return project, membership


def assignment_of(user, project: Project, assignment_id: int) -> Assignment | None:
    """The user's assignment in the project, with its task, or None (another's, or
    another project's). One plain statement: every submit from the page starts here."""
    row = first_row_of((Assignment, Task), assignment_sql.annotators_assignment(),
                       {"assignment": assignment_id, "annotator": user.pk, "project": project.pk})
    if row is None:
        return None
    assignment, assignment.task = row
    return assignment


def assignment_payload(assignment: Assignment) -> dict:
    """What a client needs to label: the prompt, the candidates in the order to show
    them (each with its canonical position), and how to answer; the labelling page
    renders the same. One plain statement: this is on every label round trip."""
    rows = fetch_all(task_sql.shown(), {"task": assignment.task_id})
    texts = {position: text for position, text, *_ in rows}
    kind, external_id, messages, is_chat = rows[0][2:]
    order = assignment.display_order or sorted(texts)
    return {
        "assignment": assignment.pk,
        "expires_at": assignment.expires_at,
        "task": {
            "id": assignment.task_id,
            "kind": kind,
            "prompt": {
                "external_id": external_id,
                "messages": converted(Prompt._meta.get_field("messages"), messages),
                "is_chat": converted(Prompt._meta.get_field("is_chat"), is_chat),
            },
        },
        "candidates": [
            {"position": pos, "letter": "AB"[pos] if kind == TaskKind.PAIR else None, "text": texts[pos]}
            for pos in order
        ],
        "answer_format": ANSWER_FORMATS[kind],
    }


ANSWER_FORMATS = {
    TaskKind.PAIR: '{"choice": "A"|"B"|"tie"|"both_bad", "strength": 1|2|3|null}  (A is position 0)',
    TaskKind.THUMBS: '{"thumbs": {"<position>": "up"|"down", ...}}  one per candidate',
    TaskKind.TURNS: ('{"turns": {"<turn index>": {"thumb": "up"|"down"}, ...}}  every assistant turn of the '
                     'conversation with the candidate appended last; with "ratings": {"<aspect>": point} '
                     "per turn when the codebook's rubric rates turns"),
    TaskKind.RANK: ('{"order": [<positions, best first>]}  an order equal to the shown one also needs '
                    '"keep_shown_order": true in the submit body'),
    TaskKind.RATE: ('{"ratings": {"<position>": {"<aspect>": <point>, ...}, ...}}  every candidate on every aspect '
                    'the codebook version\'s rubric gives the kind "rate" (the codebooks endpoint lists it)'),
}
# Pair and rank answers carry ratings too where the rubric rates their kind.
RATINGS_TOO = '  plus "ratings" as for rate tasks, where the codebook version\'s rubric rates this kind'
for _kind in (TaskKind.PAIR, TaskKind.RANK):
    ANSWER_FORMATS[_kind] += RATINGS_TOO


class Progress(NamedTuple):
    codebook: CodebookVersion | None  # the active one
    done: int  # the annotator's labels in the project
    remaining: int  # tasks still open to them; some may be held by others (see progress_for)


def progress_for(*, project: Project, user, now=None) -> Progress:
    """What the labelling page shows beside every task, in one plain statement (it is on
    every label's round trip): the active codebook, and the annotator's labels done and
    tasks left.

    "Left" counts the tasks assignment_next may still give them, by its tests: the
    active codebook's calibration items, gold items where the project serves gold, and
    regular tasks short of the overlap; not what they labelled, skipped or hold. Of the
    regular ones, some may be full for now with other annotators' live leases: counting
    those leases takes a probe of every open task's assignments, which cost this
    statement several times over on each label (bench/README.md), so the count is an
    upper bound and the page says "up to". When assignment_next gives
    nothing, what is counted is exactly the tasks that others hold, and the page says so
    beside "All caught up"."""
    now = now or timezone.now()
    codebook, done, left = first_row_of((CodebookVersion,), progress_sql.progress(),
                                        {"annotator": user.pk, "project": project.pk, "now": db_datetime(now)})
    return Progress(codebook if codebook.pk is not None else None, done, left)


def live_leases(*, task_id: int, now, exclude_assignment: int | None = None) -> int:
    """How many live leases task `task_id` holds at `now`, but `exclude_assignment`."""
    excluding = exclude_assignment is not None
    params = {"task": task_id, "now": db_datetime(now), **({"excluded": exclude_assignment} if excluding else {})}
    return fetch_one(lease_sql.live_leases(excluding=excluding), params)[0]


def projects_for(user) -> QuerySet[Project]:
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


def project_cards(user) -> list[dict]:
    """Project list rows with this user's progress, in two queries."""
    projects = list(
        projects_for(user).annotate(
            task_count=Count("tasks", filter=Q(tasks__is_active=True), distinct=True),
        )
    )
    done = dict(
        Label.objects.filter(annotator=user, task__project__in=projects)
        .values_list("task__project")
        .annotate(n=Count("id"))
    )
    roles = dict(Membership.objects.filter(user=user, project__in=projects).values_list("project", "role"))
    cards = [
        {
            "project": p,
            "role": roles.get(p.pk, Role.ADMIN if user.is_superuser else ""),
            "done": done.get(p.pk, 0),
            "tasks": p.task_count,
        }
        for p in projects
    ]
    for card in cards:  # as Membership.can_review: the card leads a reviewer to the review pages
        card["can_review"] = card["role"] in (Role.REVIEWER, Role.ADMIN)
    return cards


def active_codebook(project: Project) -> CodebookVersion | None:
    return project.codebooks.filter(is_active=True).first()


def task_rubric(task: Task) -> list:
    """The rubric a task's final answer (an adjudication, a gold answer) is given on: that
    of the codebook version of the task's latest label, the rubric its annotators rated on
    most recently (so the final answer compares with their ratings), else the active
    version's, for a task nobody has labelled yet."""
    latest = Label.objects.filter(task=task).select_related("codebook").order_by("-created_at", "-pk").first()
    return rubric_of(latest.codebook if latest else active_codebook(task.project))


def has_acknowledged(user, codebook: CodebookVersion | None) -> bool:
    if codebook is None:
        return False
    return CodebookAcknowledgement.objects.filter(user=user, codebook=codebook).exists()


def quiz_passed(user, codebook: CodebookVersion) -> bool:
    """True when the version has no quiz, or the user passed it (feedback.quality)."""
    if not codebook.quiz_questions.exists():
        return True
    return codebook.quiz_attempts.filter(user=user, passed=True).exists()


def labels_visible_to(user, project: Project) -> QuerySet[Label]:
    """Annotators see their own labels; reviewers and admins see all of the project's."""
    membership = membership_for(user, project)
    labels = Label.objects.filter(task__project=project)
    if membership is None:
        return labels.none()
    if membership.can_review:
        return labels
    return labels.filter(annotator=user)


def labels_by_annotator(labels: QuerySet[Label], username: str) -> QuerySet[Label]:
    """`labels` of the annotator named `username` (none when there is no such user). By
    their id, not a join on the name: Postgres then plans with that annotator's own share
    of the labels, and reads label_annotator_idx for one with few; through the join it
    assumed an average one's and walked every label for an annotator with none."""
    annotator = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    return labels.none() if annotator is None else labels.filter(annotator_id=annotator)


def labels_of_codebook_versions(labels: QuerySet[Label], versions: list[int]) -> QuerySet[Label]:
    """`labels` given under one of the codebook `versions` (a label's codebook is its own
    project's). By the codebooks' ids, not a join on the version, for the reason above:
    through the join Postgres walked every label for a version nobody labelled under."""
    codebooks = list(CodebookVersion.objects.filter(version__in=versions).values_list("pk", flat=True))
    return labels.filter(codebook_id__in=codebooks) if codebooks else labels.none()



def revisions_of(label: Label) -> QuerySet[LabelRevision]:
    """The history of the label's annotator's answer to its task, oldest first: this
    label's edits and any label of theirs on the task that they undid before it."""
    return LabelRevision.objects.filter(task_id=label.task_id, annotator_id=label.annotator_id).select_related(
        "codebook").order_by("created_at", "id")


def revised_labels(labels) -> set[int]:
    """The ids of those of `labels` whose answer has a history (edited, or given again
    after an undo): one query, for a page of labels."""
    labels = list(labels)
    changed = set(LabelRevision.objects.filter(task_id__in={label.task_id for label in labels},
                                               annotator_id__in={label.annotator_id for label in labels})
                  .values_list("task_id", "annotator_id"))
    return {label.pk for label in labels if (label.task_id, label.annotator_id) in changed}


def last_label_of(user, project: Project) -> Label | None:
    """The user's newest label in the project (what "Undo last label" undoes)."""
    return Label.objects.filter(task__project=project, annotator=user).order_by("-created_at", "-id").first()


def turns_context(*, task: Task) -> dict:
    """What checking an answer to `task` needs beyond its kind and rubric
    (services.labels.validate_answer's `turns`): for a turns task, its judged turn
    indices; nothing for other kinds, whose hot path reads nothing more."""
    if task.kind != TaskKind.TURNS:
        return {}
    messages = Prompt.objects.filter(pk=task.prompt_id).values_list("messages", flat=True).first() or []
    return {"turns": turn_indices(messages)}
