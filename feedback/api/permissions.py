"""Role checks for the API: the project comes from the URL, the role from Membership."""
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from feedback.labelling.access import ROLE_RANK
from feedback.labelling.models import Membership, Project, Role
from feedback.labelling.selectors import project_with_membership


def project_for(request, slug: str, min_role: str = Role.ANNOTATOR) -> tuple[Project, Membership]:
    """The project and the caller's membership; 404 for non-members (existence is not
    leaked), 403 below `min_role`."""
    found = project_with_membership(request.user, slug)
    if found is None:
        raise Http404("No such project.")
    project, membership = found
    if ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
        raise PermissionDenied(f"This needs the {min_role} role in project {project.slug}.")
    return project, membership
