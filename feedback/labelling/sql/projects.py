"""A project with the caller's membership: where every project page and API call starts."""
from functools import cache

from feedback.labelling.models import Membership, Project
from feedback.labelling.sql.rows import columns
from feedback.labelling.sql.tables import MEMBERSHIP, PROJECT


@cache
def project_with_membership() -> str:
    """Project %(slug)s and user %(user)s's membership of it (all NULL without one):
    columns of Project, then of Membership."""
    return (
        f'SELECT {columns(Project, "project")}, {columns(Membership, "membership")} FROM {PROJECT} project '
        f'LEFT JOIN {MEMBERSHIP} membership ON membership."project_id" = project."id" '
        f'AND membership."user_id" = %(user)s WHERE project."slug" = %(slug)s'
    )
