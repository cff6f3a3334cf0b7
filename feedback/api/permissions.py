"""Role checks for the API: the project comes from the URL, the role from Membership."""
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from feedback.labelling.access import ROLE_RANK
from feedback.labelling.models import Membership, Project, Role
from feedback.labelling.selectors import membership_for
from feedback.labelling.services.sql import first_row, table


def project_for(request, slug: str, min_role: str = Role.ANNOTATOR) -> tuple[Project, Membership]:
    """The project and the caller's membership; 404 for non-members (existence is not
    leaked), 403 below `min_role`. Every API call starts here: plain statements (see
    feedback/labelling/services/sql.py)."""
    project = first_row(Project, f'SELECT * FROM {table(Project)} WHERE "slug" = %s', [slug])
    if project is None:
        raise Http404("No such project.")
    membership = first_row(
        Membership, f'SELECT * FROM {table(Membership)} WHERE "project_id" = %s AND "user_id" = %s',
        [project.pk, request.user.pk],
    )
    if membership is None:
        membership = membership_for(request.user, project)  # superusers
        if membership is None:
            raise Http404("No such project.")
    membership.project = project
    if ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
        raise PermissionDenied(f"This needs the {min_role} role in project {project.slug}.")
    return project, membership
