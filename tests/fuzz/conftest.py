"""A project with something of everything for the fuzz tests to reach, and the one
property they all check of a request: no 5xx, and a refused request writes nothing."""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from feedback.labelling.models import Assignment, Role, Task
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.loop.models import AdapterStatus, AdapterVersion, RunStatus, TrainingRun, TrainingSettings
from feedback.quality.models import QuizQuestion
from tests.support.labels import make_label
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)

ANSWERS = {"pair": {"choice": "A", "strength": None}, "rank": {"order": [2, 0, 1]},
           "thumbs": {"thumbs": {"0": "up", "1": "down"}}}


@dataclass
class World:
    project: object
    admin: object
    client: Client
    token: str
    leases: dict  # kind → the admin's live assignment of a task of that kind
    tasks: dict  # kind → tasks
    other_assignment: int  # someone else's
    run: TrainingRun
    adapters: list
    quiz: QuizQuestion
    annotator_ids: list


@pytest.fixture
def world(project, make_user, codebook, tasks_of, annotators) -> World:
    admin = make_user("fuzzer", project=project, role=Role.ADMIN)
    codebook_acknowledge(user=admin, codebook=codebook)
    tasks = {kind: tasks_of(kind, 4) for kind in ANSWERS}
    for kind, kind_tasks in tasks.items():
        for user in annotators:  # agreement figures, a disputed task, labels to list
            make_label(kind_tasks[0], user, codebook, ANSWERS[kind])
    expires = timezone.now() + timedelta(hours=1)
    leases = {
        kind: Assignment.objects.create(task=kind_tasks[1], annotator=admin, expires_at=expires,
                                        display_order=list(range(kind_tasks[1].candidate_count)))
        for kind, kind_tasks in tasks.items()
    }
    other = Assignment.objects.create(task=tasks["pair"][2], annotator=annotators[0], expires_at=expires,
                                      display_order=[1, 0])
    Task.objects.filter(pk=tasks["pair"][3].pk).update(is_gold=True, gold_answer=ANSWERS["pair"])
    TrainingSettings.objects.create(project=project)
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    first = AdapterVersion.objects.create(project=project, version=1, algorithm="dpo", base_model="demo",
                                          directory="/nowhere/v1", weights_sha256="0" * 64,
                                          status=AdapterStatus.PROMOTED, promoted_at=timezone.now())
    second = AdapterVersion.objects.create(project=project, version=2, algorithm="dpo", base_model="demo", parent=first,
                                           directory="/nowhere/v2", weights_sha256="1" * 64)
    quiz = QuizQuestion.objects.create(codebook=codebook, text="Shorter is better?", choices=["yes", "no"], correct=0)
    client = Client()
    client.force_login(admin)
    return World(project=project, admin=admin, client=client, token=Token.objects.create(user=admin).key,
                 leases=leases, tasks=tasks, other_assignment=other.pk, run=run, adapters=[first, second], quiz=quiz,
                 annotator_ids=[user.pk for user in annotators])


def pytest_terminal_summary(terminalreporter):
    from tests.support.fuzz_requests import SENT

    if SENT["requests"]:
        terminalreporter.write_line(f"fuzz: {SENT['requests']} requests sent by tests/fuzz")
