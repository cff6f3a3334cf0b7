"""Reads of the labelling app: membership and roles, progress, what a user may see."""
from functools import lru_cache

import markdown
import nh3
from django.db import connection
from django.db.models import Count, Q, QuerySet

from feedback.labelling.models import (
    Assignment,
    Candidate,
    CodebookAcknowledgement,
    CodebookVersion,
    Label,
    Membership,
    Project,
    Prompt,
    Role,
    Task,
    TaskCandidate,
    TaskKind,
)
from feedback.labelling.services.sql import columns, converted, first_row_of, table


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
    call starts here: one plain statement (see services/sql.py)."""
    row = first_row_of(
        (Project, Membership),
        f'SELECT {columns(Project, "p")}, {columns(Membership, "m")} FROM {table(Project)} p '
        f'LEFT JOIN {table(Membership)} m ON m."project_id" = p."id" AND m."user_id" = %s WHERE p."slug" = %s',
        [user.pk, slug],
    )
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
    row = first_row_of(
        (Assignment, Task),
        f'SELECT {columns(Assignment, "a")}, {columns(Task, "t")} FROM {table(Assignment)} a '
        f'INNER JOIN {table(Task)} t ON t."id" = a."task_id" '
        f'WHERE a."id" = %s AND a."annotator_id" = %s AND t."project_id" = %s',
        [assignment_id, user.pk, project.pk],
    )
    if row is None:
        return None
    assignment, assignment.task = row
    return assignment


def assignment_payload(assignment: Assignment) -> dict:
    """What a client needs to label: the prompt, the candidates in the order to show
    them (each with its canonical position), and how to answer; the labelling page
    renders the same. One plain statement: this is on every label round trip."""
    link, candidate, task, prompt = map(table, (TaskCandidate, Candidate, Task, Prompt))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT tc."position", c."text", t."kind", p."external_id", p."messages", p."is_chat" FROM {link} tc '
            f'INNER JOIN {candidate} c ON c."id" = tc."candidate_id" INNER JOIN {task} t ON t."id" = tc."task_id" '
            f'INNER JOIN {prompt} p ON p."id" = t."prompt_id" WHERE tc."task_id" = %s',
            [assignment.task_id],
        )
        rows = cursor.fetchall()
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
    TaskKind.RANK: ('{"order": [<positions, best first>]}  an order equal to the shown one also needs '
                    '"keep_shown_order": true in the submit body'),
}


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
    return [
        {
            "project": p,
            "role": roles.get(p.pk, Role.ADMIN if user.is_superuser else ""),
            "done": done.get(p.pk, 0),
            "tasks": p.task_count,
        }
        for p in projects
    ]


def active_codebook(project: Project) -> CodebookVersion | None:
    return project.codebooks.filter(is_active=True).first()


def has_acknowledged(user, codebook: CodebookVersion | None) -> bool:
    if codebook is None:
        return False
    return CodebookAcknowledgement.objects.filter(user=user, codebook=codebook).exists()


ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "kbd",
}


@lru_cache(maxsize=256)
def _render(text: str) -> str:
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer")


def render_markdown(text: str) -> str:
    """Codebook Markdown → sanitized HTML (raw HTML and scripts in the source are dropped)."""
    return _render(text)


def labels_visible_to(user, project: Project) -> QuerySet[Label]:
    """Annotators see their own labels; reviewers and admins see all of the project's."""
    membership = membership_for(user, project)
    labels = Label.objects.filter(task__project=project)
    if membership is None:
        return labels.none()
    if membership.can_review:
        return labels
    return labels.filter(annotator=user)
