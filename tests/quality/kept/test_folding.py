"""The fold counts every label however it was stored, takes out what left, follows gold
answers, runs one at a time, and gives what a rebuild from every label gives."""
import threading
import uuid

import pytest
from django.db import connection, connections

from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Label, Task
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.labels import Submission, label_submit
from feedback.quality.dashboard import dashboard
from feedback.quality.kept.folding import fold, rebuild
from feedback.quality.models import AgreementCell, AnnotatorCell, TaskChange, TaskFigures
from feedback.quality.services import gold_mark
from tests.support.labels import make_label

A, B = {"choice": "A", "strength": None}, {"choice": "B", "strength": None}


def kept_labels(project) -> int:
    return sum(cell.figures.get("labels", 0) for cell in AgreementCell.objects.filter(project=project))


def test_a_label_from_the_submit_is_folded_in(project, annotators, tasks_of):
    tasks_of("pair", 1)
    assignment = assignment_next(project=project, user=annotators[0])
    label_submit(assignment_id=assignment.pk, user=annotators[0],
                 submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=800))
    assert TaskChange.objects.filter(task_id=assignment.task_id).exists()  # the trigger on the label table
    assert fold() == 1 and not TaskChange.objects.exists()
    assert kept_labels(project) == 1 and AnnotatorCell.objects.get(annotator_id=annotators[0].pk).labels == 1


def test_a_label_written_by_plain_sql_is_folded_in(project, annotators, codebook, tasks_of):
    """COPY, a restore, a script: whatever writes the label table is counted."""
    task = tasks_of("pair", 1)[0]
    made = make_label(task, annotators[0], codebook, A)
    fold()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Label._meta.db_table} (assignment_id, task_id, annotator_id, codebook_id, kind, answer, rewrite, "
            "comment, display_order, time_spent_ms, submission_id, created_at) SELECT %s, task_id, %s, codebook_id, kind, "
            "%s, '', '', display_order, 700, %s, created_at FROM labelling_label WHERE id = %s",
            [_assignment(task, annotators[1]).pk, annotators[1].pk, '{"choice": "B", "strength": null}',
             uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()), made.pk])
    fold()
    assert kept_labels(project) == 2
    assert dashboard(project, LabelFilters())["disputed"][0]["task_id"] == task.pk


def _assignment(task, user):
    from django.utils import timezone

    from feedback.labelling.models import Assignment, AssignmentStatus

    return Assignment.objects.create(task=task, annotator=user, status=AssignmentStatus.DONE, expires_at=timezone.now(),
                                     display_order=[0, 1])


def test_deleted_labels_and_tasks_leave_the_figures(project, annotators, codebook, tasks_of):
    first, second = tasks_of("pair", 2)
    for user, answer in zip(annotators, [A, B, A]):
        make_label(first, user, codebook, answer)
        make_label(second, user, codebook, answer)
    fold()
    assert kept_labels(project) == 6 and TaskFigures.objects.filter(majority_share__isnull=False).count() == 2
    Label.objects.filter(task=first, annotator=annotators[1]).delete()
    fold()
    assert kept_labels(project) == 5
    assert list(TaskFigures.objects.filter(majority_share__isnull=False).values_list("task_id", flat=True)) == [second.pk]
    Task.objects.filter(pk=second.pk).delete()  # the cascade deletes its labels: each leaves a change
    fold()
    assert kept_labels(project) == 2 and not TaskFigures.objects.filter(task_id=second.pk).exists()
    Label.objects.all().delete()
    fold()
    assert not AgreementCell.objects.exists() and not AnnotatorCell.objects.exists() and not TaskFigures.objects.exists()


def test_a_gold_answer_set_after_the_labels_counts(project, annotators, codebook, tasks_of):
    task = tasks_of("pair", 1)[0]
    for user, answer in zip(annotators, [A, A, B]):
        make_label(task, user, codebook, answer)
    rows = {row.username: row for row in dashboard(project, LabelFilters())["annotators"]}
    assert rows["alice"].gold_accuracy is None
    gold_mark(task=task, answer=A)  # the trigger on the task's gold columns
    rows = {row.username: row for row in dashboard(project, LabelFilters())["annotators"]}
    assert (rows["alice"].gold_accuracy, rows["carol"].gold_accuracy, rows["carol"].gold_total) == (1.0, 0.0, 1)
    Task.objects.filter(pk=task.pk).update(is_gold=False, gold_answer=None)  # as the admin would
    assert {row.username: row for row in dashboard(project, LabelFilters())["annotators"]}["carol"].gold_total == 0


def test_a_rebuild_gives_the_folded_figures(project, annotators, codebook, tasks_of):
    for i, task in enumerate(tasks_of("rank", 4)):
        for j, user in enumerate(annotators):
            make_label(task, user, codebook, {"order": [(i + j) % 3, (i + j + 1) % 3, (i + j + 2) % 3]})
    fold()
    folded = dashboard(project, LabelFilters())
    assert rebuild() == 4 and not AgreementCell.objects.exists()
    rebuilt = dashboard(project, LabelFilters())
    assert folded["by_kind"] == rebuilt["by_kind"] and folded["annotators"] == rebuilt["annotators"]


@pytest.mark.django_db(transaction=True)
def test_two_folds_at_once_fold_each_change_once(postgres, project, annotators, codebook, tasks_of):
    tasks = tasks_of("pair", 40)
    for task in tasks:
        for user, answer in zip(annotators, [A, B, A]):
            make_label(task, user, codebook, answer)
    results, errors = [], []

    def folder():
        try:
            results.append(fold(batch=7))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=folder) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sum(results) == 120
    assert kept_labels(project) == 120 and TaskFigures.objects.count() == 40
    assert sum(AgreementCell.objects.filter(project=project).values_list("tasks", flat=True)) == 40


def test_a_page_folds_a_bounded_number_and_says_what_it_left_out(client, project, annotators, codebook, tasks_of,
                                                                  reviewer, monkeypatch):
    from django.urls import reverse

    from feedback.quality.kept import folding

    monkeypatch.setattr(folding, "PAGE_FOLD_LIMIT", 4)
    for task in tasks_of("pair", 3):
        for user, answer in zip(annotators, [A, B, A]):
            make_label(task, user, codebook, answer)
    client.force_login(reviewer)
    page = client.get(reverse("quality:dashboard", args=[project.slug])).content.decode()
    assert "3 label changes are still being folded in by the worker" in page
    # the first four changes name two tasks: each is folded whole, with its later changes
    assert kept_labels(project) == 6 and TaskChange.objects.count() == 3
    fold()  # the beat's: everything
    page = client.get(reverse("quality:dashboard", args=[project.slug])).content.decode()
    assert "still being folded" not in page and kept_labels(project) == 9


@pytest.mark.django_db(transaction=True)
def test_a_page_does_not_wait_for_the_beats_fold_and_says_what_it_left_out(postgres, project, annotators, codebook,
                                                                         tasks_of):
    from django.db import transaction

    from feedback.quality.kept.folding import FOLD_LOCK, fold_for_page

    task = tasks_of("pair", 1)[0]
    make_label(task, annotators[0], codebook, A)
    held, release = threading.Event(), threading.Event()

    def beat():  # another fold holding the lock
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
            held.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=beat)
    holder.start()
    try:
        assert held.wait(30)
        assert fold_for_page(project) == 1 and kept_labels(project) == 0  # not folded, and said so
    finally:
        release.set()
        holder.join()
    assert fold_for_page(project) == 0 and kept_labels(project) == 1
