"""The next-task statements pick what their ORM twins pick (tests/support/lease_mix.py)."""
from django.db.models import Count, F

from feedback.labelling.models import Assignment, Task
from feedback.labelling.selectors import assignment_of
from feedback.labelling.sql import assignments as sql
from feedback.labelling.sql.rows import db_datetime, fetch_all, fetch_one, first_row
from tests.support.lease_mix import live_q, not_mine_q


def _params(mix, user, **more):
    return {"project": mix.project.pk, "annotator": user.pk, "now": db_datetime(mix.now), **more}


def test_held_and_calibration_is_the_orm_oldest_live_lease_and_first_open_calibration_item(mix):
    for user in mix.users:
        held = (Assignment.objects.filter(live_q(mix.now), task__project=mix.project, annotator=user)
                .order_by("leased_at").values_list("pk", flat=True).first())
        calibration = (Task.objects.filter(not_mine_q(user, mix.now), project=mix.project, is_active=True,
                                           calibration_for=mix.project.codebooks.get(is_active=True))
                       .values_list("pk", flat=True).order_by("pk").first())
        assert fetch_one(sql.held_and_calibration(), _params(mix, user)) == (held, calibration), user.username
    alice = mix.users[0]
    assert fetch_one(sql.held_and_calibration(), _params(mix, alice))[0] == (
        Assignment.objects.get(task=mix.tasks["held_old"], annotator=alice).pk)


def _orm_pick(mix, user, tried):
    live = Count("assignments", filter=live_q(mix.now, "assignments__"))
    return (Task.objects.filter(not_mine_q(user, mix.now), project=mix.project, is_active=True, is_gold=False,
                                calibration_for=None, labels_done__lt=mix.project.overlap)
            .exclude(pk__in=tried).annotate(live=live).filter(live__lt=mix.project.overlap - F("labels_done"))
            .order_by("-labels_done", "id").first())


def test_regular_pick_picks_the_orm_first_open_task(mix):
    for user in mix.users:
        tried = []
        while True:
            params = _params(mix, user, overlap=mix.project.overlap, **sql.tried_params(tried))
            raw = first_row(Task, sql.regular_pick(tried=len(tried)), params)
            orm = _orm_pick(mix, user, tried)
            assert (raw and raw.pk) == (orm and orm.pk), (user.username, tried)
            if raw is None:
                break
            tried.append(raw.pk)
        assert tried, user.username  # each of them had something to walk


def test_open_gold_is_the_orm_open_gold(mix):
    for user in mix.users:
        orm = list(Task.objects.filter(not_mine_q(user, mix.now), project=mix.project, is_active=True, is_gold=True)
                   .order_by("pk").values_list("pk", flat=True)[:sql.GOLD_DRAWN_FROM])
        assert [row[0] for row in fetch_all(sql.open_gold(), _params(mix, user))] == orm == [mix.tasks["gold"].pk]


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_annotators_assignment_is_the_orm_assignment_with_its_task(mix):
    alice = mix.users[0]
    for assignment in Assignment.objects.all():
        for user in mix.users:
            raw = assignment_of(user, mix.project, assignment.pk)
            orm = (Assignment.objects.select_related("task")
                   .filter(pk=assignment.pk, annotator=user, task__project=mix.project).first())
            assert (raw is None) == (orm is None)
            if raw is not None:
                assert _values(raw) == _values(orm) and _values(raw.task) == _values(orm.task)
    elsewhere = Assignment.objects.exclude(task__project=mix.project).get()
    assert elsewhere.annotator_id == alice.pk and assignment_of(alice, mix.project, elsewhere.pk) is None
