"""The progress statement counts what its ORM twin counts (tests/support/lease_mix.py)."""
import pytest
from django.db.models import F, Q

from feedback.labelling.models import Label, Task
from feedback.labelling.selectors import active_codebook, progress_for
from tests.support.lease_mix import not_mine_q


@pytest.mark.parametrize("gold_rate", [0.0, 0.1])
def test_progress_is_the_orm_codebook_labels_done_and_tasks_left(mix, gold_rate):
    project = mix.project
    project.gold_rate = gold_rate
    project.save()
    codebook = active_codebook(project)
    for user in mix.users:
        regular = Q(is_gold=False, calibration_for=None, labels_done__lt=F("project__overlap"))
        gold = Q(is_gold=True) if gold_rate > 0 else Q(pk__in=[])
        left = Task.objects.filter(not_mine_q(user, mix.now), project=project, is_active=True).filter(
            regular | Q(calibration_for=codebook) | gold).count()
        done = Label.objects.filter(annotator=user, task__project=project).count()
        assert progress_for(project=project, user=user, now=mix.now) == (codebook, done, left), user.username


def test_progress_without_a_codebook_has_none(project, make_user):
    assert progress_for(project=project, user=make_user("newcomer", project=project)) == (None, 0, 0)
