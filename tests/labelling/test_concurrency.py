"""Assignment stays exact under concurrency on the real Postgres."""
import random
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from feedback.labelling.models import Assignment, Label, Task
from feedback.labelling.services.assignments import assignment_next, assignment_skip
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.labelling.services.labels import Submission, label_submit

N_ANNOTATORS = 24
N_TASKS = 40
K = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_annotators_at_once_never_overfill_or_duplicate(postgres, project, make_user, codebook, tasks_of):
    project.overlap = K
    project.lease_minutes = 10
    project.save()
    tasks_of("pair", N_TASKS)
    users = [make_user(f"annotator{i:02d}", project=project) for i in range(N_ANNOTATORS)]
    for user in users:
        codebook_acknowledge(user=user, codebook=codebook)

    stored: dict[int, list[int]] = {u.pk: [] for u in users}
    errors: list[BaseException] = []
    start = threading.Barrier(N_ANNOTATORS)

    def annotate(user, seed):
        rng = random.Random(seed)
        try:
            start.wait()
            while True:
                assignment = assignment_next(project=project, user=user)
                if assignment is None:
                    return
                if rng.random() < 0.1:
                    assignment_skip(assignment=assignment, user=user)
                    continue
                submission = Submission(
                    answer={"choice": rng.choice("AB")}, submission_id=uuid.uuid4(), time_spent_ms=rng.randint(100, 5000)
                )
                label, created = label_submit(assignment_id=assignment.pk, user=user, submission=submission)
                assert created
                # A client retry of the same submit must not store a second label.
                again, created_again = label_submit(assignment_id=assignment.pk, user=user, submission=submission)
                assert not created_again and again.pk == label.pk
                stored[user.pk].append(label.pk)
        except BaseException as error:  # surfaced below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=annotate, args=(u, i)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an annotator thread hung"
    assert not errors, errors[:3]

    per_task = Counter(Label.objects.values_list("task_id", flat=True))
    assert all(n <= K for n in per_task.values())
    # Enough annotators for every slot: every task reached exactly k labels.
    assert set(per_task.values()) == {K} and len(per_task) == N_TASKS
    pairs = list(Label.objects.values_list("task_id", "annotator_id"))
    assert len(pairs) == len(set(pairs))  # no annotator labelled a task twice
    # Nothing lost: every label a client was told about exists, and nothing else does.
    told = sorted(pk for pks in stored.values() for pk in pks)
    assert told == sorted(Label.objects.values_list("pk", flat=True))
    for task in Task.objects.filter(project=project):
        assert task.labels_done == per_task[task.pk]
    assert not Assignment.objects.filter(status="leased").exists()
