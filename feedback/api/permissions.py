"""Role checks for the API: the project comes from the URL, the role from Membership."""
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from feedback.labelling.access import ROLE_RANK
from feedback.labelling.models import Membership, Project, Role
from feedback.labelling.selectors import membership_for
from feedback.labelling.services.sql import columns, first_row_of, table


def project_for(request, slug: str, min_role: str = Role.ANNOTATOR) -> tuple[Project, Membership]:
    """The project and the caller's membership; 404 for non-members (existence is not
    leaked), 403 below `min_role`. Every API call starts here: one plain statement (see
    feedback/labelling/services/sql.py)."""
    row = first_row_of(
        (Project, Membership),
        f'SELECT {columns(Project, "p")}, {columns(Membership, "m")} FROM {table(Project)} p '
        f'LEFT JOIN {table(Membership)} m ON m."project_id" = p."id" AND m."user_id" = %s WHERE p."slug" = %s',
        [request.user.pk, slug],
    )
    if row is None:
        raise Http404("No such project.")
    project, membership = row
    if membership.pk is None:  # no membership row
        membership = membership_for(request.user, project)  # superusers
        if membership is None:
            raise Http404("No such project.")
    membership.project = project
    if ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
        raise PermissionDenied(f"This needs the {min_role} role in project {project.slug}.")
    return project, membership
