"""The beat's fold runs in a real worker: labels stored while nobody views a page are
folded in before anyone does."""
import time
from importlib import import_module

import pytest
from django_celery_beat.models import PeriodicTask

from feedback.quality.models import AgreementCell, TaskChange
from feedback.quality.tasks import fold_task_changes
from tests.support.labels import make_label


@pytest.mark.django_db(transaction=True)
def test_the_worker_folds_new_labels(project, annotators, codebook, tasks_of, live_worker):
    task = tasks_of("pair", 1)[0]
    for user, choice in zip(annotators, "AAB"):
        make_label(task, user, codebook, {"choice": choice, "strength": None})
    assert TaskChange.objects.count() == 3
    fold_task_changes.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and TaskChange.objects.exists():
        time.sleep(0.2)
    assert not TaskChange.objects.exists(), live_worker.log_path.read_text()
    assert sum(cell.figures["labels"] for cell in AgreementCell.objects.filter(project=project)) == 3


@pytest.mark.django_db
def test_the_beat_schedules_the_fold_every_five_seconds():
    from django.apps import apps

    # the migration's own step (a flush between transactional tests empties the table it filled)
    import_module("feedback.quality.migrations.0003_schedule_fold").add_schedule(apps, None)
    entry = PeriodicTask.objects.get(task="feedback.quality.tasks.fold_task_changes")
    assert entry.enabled and (entry.interval.every, entry.interval.period) == (5, "seconds")
