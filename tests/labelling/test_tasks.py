"""The housekeeping task runs in a real Celery worker on Redis, against Postgres."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.tasks import release_expired_leases


@pytest.mark.celery
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_releases_expired_leases(project, annotators, tasks_of, live_worker):
    tasks_of("pair", 2)
    expired = assignment_next(project=project, user=annotators[0])
    live = assignment_next(project=project, user=annotators[1])
    Assignment.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    release_expired_leases.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Assignment.objects.get(pk=expired.pk).status == AssignmentStatus.RELEASED:
            break
        time.sleep(0.2)
    assert Assignment.objects.get(pk=expired.pk).status == AssignmentStatus.RELEASED, live_worker.log_path.read_text()
    assert Assignment.objects.get(pk=live.pk).status == AssignmentStatus.LEASED
