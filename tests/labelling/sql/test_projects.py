"""The project check's statement reads what the ORM reads."""
from feedback.labelling.models import Membership, Project
from feedback.labelling.sql.projects import project_with_membership
from feedback.labelling.sql.rows import first_row_of


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_project_with_membership_is_the_orm_project_and_membership(project, annotators, make_user):
    other = Project.objects.create(name="Other", slug="other")
    outsider = make_user("outsider", project=other)
    for user in [*annotators, outsider]:
        for slug in ("answers", "other"):
            found, membership = first_row_of((Project, Membership), project_with_membership(),
                                             {"user": user.pk, "slug": slug})
            assert _values(found) == _values(Project.objects.get(slug=slug))
            orm = Membership.objects.filter(user=user, project__slug=slug).first()
            assert (membership.pk is None) if orm is None else _values(membership) == _values(orm)
    assert first_row_of((Project, Membership), project_with_membership(), {"user": outsider.pk, "slug": "nope"}) is None
