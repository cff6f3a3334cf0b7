"""Reads of the labelling app: membership and roles, progress, what a user may see."""
from functools import lru_cache

import markdown
import nh3
from django.db.models import Count, Q, QuerySet

from feedback.labelling.models import (
    CodebookAcknowledgement,
    CodebookVersion,
    Label,
    Membership,
    Project,
    Role,
)


def membership_for(user, project: Project) -> Membership | None:
    """The user's membership; superusers act as project admins everywhere."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, project=project).first()
    if membership is None and user.is_superuser:
        return Membership(user=user, project=project, role=Role.ADMIN)
    return membership


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
