"""View decorator: the project from the URL and the caller's membership, or 404/403."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from feedback.labelling.models import Role
from feedback.labelling.selectors import project_with_membership

ROLE_RANK = {Role.ANNOTATOR: 0, Role.REVIEWER: 1, Role.ADMIN: 2}


def project_view(min_role: str = Role.ANNOTATOR):
    """Wrap a view taking (request, project, ...). Non-members get 404 (a project's
    existence is not leaked); members below `min_role` get 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            found = project_with_membership(request.user, slug)
            if found is None:
                raise Http404("No such project.")
            project, membership = found
            if ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
                raise PermissionDenied(f"This page is for project {min_role}s.")
            request.membership = membership
            return view(request, project, *args, **kwargs)

        return wrapper

    return decorator
