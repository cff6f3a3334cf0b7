"""The plain-SQL helpers build the same instances the ORM does (on SQLite and Postgres)."""
import datetime
import uuid

from feedback.labelling.models import Assignment, AssignmentStatus, Label, Membership, Project
from feedback.labelling.sql.rows import columns, first_row, first_row_of, insert, table
from tests.support.labels import make_label

def _values(instance) -> dict:
    return {name: getattr(instance, name) for name in [f.attname for f in type(instance)._meta.concrete_fields]}


def test_first_row_converts_like_the_orm(annotators, codebook, tasks_of):
    task = tasks_of("rank", 1)[0]
    label = make_label(task, annotators[0], codebook, {"order": [2, 0, 1]})
    raw = first_row(Label, f'SELECT * FROM {table(Label)} WHERE "id" = %(label)s', {"label": label.pk})
    orm = Label.objects.get(pk=label.pk)
    assert _values(raw) == _values(orm)
    # The converted types, not their database text: JSON, UUID, aware datetimes.
    assert raw.answer == {"order": [2, 0, 1]} and isinstance(raw.submission_id, uuid.UUID)
    assert isinstance(raw.created_at, datetime.datetime) and raw.created_at.tzinfo is not None
    assert not raw._state.adding


def test_first_row_keeps_other_columns_as_attributes_and_defers_missing_fields(project):
    row = first_row(Project, f'SELECT "id", "slug", 41 + 1 AS "answer" FROM {table(Project)} WHERE "id" = %(project)s',
                    {"project": project.pk})
    assert (row.pk, row.slug, row.answer) == (project.pk, project.slug, 42)
    assert "name" in row.get_deferred_fields()
    assert row.name == project.name  # loaded on access, as with a deferred field
    assert first_row(Project, f'SELECT * FROM {table(Project)} WHERE "slug" = %(slug)s', {"slug": "nope"}) is None


def test_first_row_of_splits_joined_models_and_leaves_a_missing_join_empty(project, annotators, make_user):
    sql = (
        f'SELECT {columns(Project, "project")}, {columns(Membership, "membership")}, 7 FROM {table(Project)} project '
        f'LEFT JOIN {table(Membership)} membership ON membership."project_id" = project."id" '
        f'AND membership."user_id" = %(user)s WHERE project."id" = %(project)s'
    )
    found, membership, extra = first_row_of((Project, Membership), sql, {"user": annotators[0].pk, "project": project.pk})
    assert _values(found) == _values(Project.objects.get(pk=project.pk)) and extra == 7
    assert _values(membership) == _values(Membership.objects.get(project=project, user=annotators[0]))
    outsider = make_user("outsider")
    _, none, _ = first_row_of((Project, Membership), sql, {"user": outsider.pk, "project": project.pk})
    assert none.pk is None


def test_insert_stores_what_the_orm_reads_back(annotators, codebook, tasks_of):
    task = tasks_of("pair", 1)[0]
    when = datetime.datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=datetime.timezone.utc)
    assignment = Assignment.objects.create(task=task, annotator=annotators[0], status=AssignmentStatus.DONE,
                                           expires_at=when, display_order=[1, 0])
    label = Label(assignment=assignment, task=task, annotator=annotators[0], codebook=codebook, kind="pair",
                  answer={"choice": "B", "strength": None}, rewrite="better ünïcode", display_order=[1, 0],
                  time_spent_ms=1234, submission_id=uuid.uuid4(), created_at=when)
    insert(label)
    assert label.pk is not None and not label._state.adding
    assert _values(Label.objects.get(pk=label.pk)) == _values(label)
