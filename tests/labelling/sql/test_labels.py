"""The submit's statements read and write what their ORM twins do (tests/support/lease_mix.py)."""
import uuid

import pytest
from django.db import connection

from feedback.labelling.models import Assignment, AssignmentStatus, CodebookAcknowledgement, CodebookVersion, Label, Task
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.sql import labels as sql
from feedback.labelling.sql.rows import converted, db_datetime, execute, first_row_of


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.parametrize("chosen", [None, 1, 2, 3])
def test_locked_assignment_is_the_orm_assignment_task_and_codebook(mix, admin_user, chosen):
    rubric = [{"name": "helpfulness", "question": "Does it help?", "scale": {"min": 1, "max": 5}}]
    v2 = codebook_publish(project=mix.project, text="# Rules v2", author=admin_user, rubric=rubric)
    CodebookAcknowledgement.objects.filter(user=mix.users[1], codebook=v2).delete()
    CodebookAcknowledgement.objects.create(user=mix.users[0], codebook=v2)
    for assignment in Assignment.objects.select_related("task__prompt", "task__project"):
        for user in mix.users:
            params = {"assignment": assignment.pk, "annotator": user.pk, **({"version": chosen} if chosen else {})}
            row = first_row_of((Assignment, Task), sql.locked_assignment(chosen_version=bool(chosen)), params)
            if assignment.annotator_id != user.pk:
                assert row is None
                continue
            raw_assignment, raw_task, external_id, overlap, codebook_id, version, is_active, rubric, acknowledged = row
            codebooks = assignment.task.project.codebooks
            codebook = codebooks.filter(version=chosen).first() if chosen else codebooks.filter(is_active=True).first()
            assert _values(raw_assignment) == _values(assignment) and _values(raw_task) == _values(assignment.task)
            assert (external_id, overlap) == (assignment.task.prompt.external_id, assignment.task.project.overlap)
            if codebook is None:
                assert (codebook_id, version, is_active, rubric, bool(acknowledged)) == (None, None, None, None, False)
            else:
                acked = CodebookAcknowledgement.objects.filter(user=user, codebook=codebook).exists()
                assert (codebook_id, version, bool(is_active), bool(acknowledged)) == (
                    codebook.pk, codebook.version, codebook.is_active, acked)
                assert converted(CodebookVersion._meta.get_field("rubric"), rubric) == codebook.rubric


def test_stored_label_is_the_orm_label_with_what_its_payload_reads(mix):
    for label in Label.objects.select_related("task__prompt", "annotator", "codebook"):
        key = Label._meta.get_field("submission_id").get_db_prep_value(label.submission_id, connection)
        raw, prompt_id, external_id, username, version = first_row_of((Label,), sql.stored_label(), {"submission": key})
        assert _values(raw) == _values(label)
        assert (prompt_id, external_id, username, version) == (
            label.task.prompt_id, label.task.prompt.external_id, label.annotator.username, label.codebook.version)
    missing = Label._meta.get_field("submission_id").get_db_prep_value(uuid.uuid4(), connection)
    assert first_row_of((Label,), sql.stored_label(), {"submission": missing}) is None


def test_a_new_label_finishes_its_lease_and_counts_on_its_task(mix):
    lease = Assignment.objects.get(task=mix.tasks["held_old"], annotator=mix.users[0])
    others = list(Assignment.objects.exclude(pk=lease.pk).values_list("pk", "status", "finished_at"))
    execute((sql.LEASE_DONE, {"now": db_datetime(mix.now), "assignment": lease.pk}),
            (sql.TASK_LABELLED, {"task": lease.task_id}))
    lease.refresh_from_db()
    assert (lease.status, lease.finished_at) == (AssignmentStatus.DONE, mix.now)
    assert Task.objects.get(pk=lease.task_id).labels_done == mix.tasks["held_old"].labels_done + 1
    assert list(Assignment.objects.exclude(pk=lease.pk).values_list("pk", "status", "finished_at")) == others
