"""The lease fragments and statements read what their ORM twins (tests/support/lease_mix.py) read."""
import json
from datetime import timedelta

import pytest

from feedback.labelling.models import Assignment, AssignmentStatus, Task
from feedback.labelling.sql.leases import lease_take, live_leases, not_mine
from feedback.labelling.sql.rows import db_datetime, fetch_all, fetch_one
from feedback.labelling.sql.tables import TASK, TASK_ID
from tests.support.lease_mix import live_q, not_mine_q


def test_live_leases_counts_what_the_orm_counts(mix):
    for task in Task.objects.filter(project=mix.project):
        leases = Assignment.objects.filter(live_q(mix.now), task=task)
        params = {"task": task.pk, "now": db_datetime(mix.now)}
        assert fetch_one(live_leases(excluding=False), params)[0] == leases.count(), task
        for assignment in Assignment.objects.filter(task=task):
            excluded = {**params, "excluded": assignment.pk}
            assert fetch_one(live_leases(excluding=True), excluded)[0] == leases.exclude(pk=assignment.pk).count()


@pytest.mark.parametrize("per_row", [False, True])
def test_not_mine_keeps_out_what_the_orm_keeps_out(mix, per_row):
    sql = (f'SELECT task."id" FROM {TASK} task WHERE task."project_id" = %(project)s '
           f'AND {not_mine(TASK_ID, per_row=per_row)} ORDER BY task."id"')
    for user in mix.users:
        for now in (mix.now, mix.now + timedelta(hours=2)):  # later, every lease has run out
            raw = [row[0] for row in fetch_all(sql, {"project": mix.project.pk, "annotator": user.pk,
                                                     "now": db_datetime(now)})]
            orm = list(Task.objects.filter(not_mine_q(user, now), project=mix.project).values_list("pk", flat=True))
            assert raw == orm, (user.username, now)
    alice_keeps = {"skipped", "mine", "held_old", "held_new"}
    params = {"project": mix.project.pk, "annotator": mix.users[0].pk, "now": db_datetime(mix.now)}
    alice_open = {row[0] for row in fetch_all(sql, params)}
    assert {name for name, task in mix.tasks.items() if task.pk not in alice_open} == alice_keeps


def _take(task, user, now, *, up_to=None):
    params = {"task": task.pk, "annotator": user.pk, "leased_at": db_datetime(now),
              "expires_at": db_datetime(now + timedelta(minutes=30)), "display_order": json.dumps([0, 1])}
    if up_to is not None:
        params.update(now=db_datetime(now), up_to=up_to)
    return fetch_one(lease_take(with_room=up_to is not None), params)


def test_lease_take_leases_where_the_orm_counts_room_and_renews_only_unfinished_leases(mix):
    alice, bob, carol = mix.users
    now, tasks, overlap = mix.now, mix.tasks, mix.project.overlap

    def room(task):
        return task.labels_done + Assignment.objects.filter(live_q(now), task=task).count() < overlap

    for name in ("full", "others_hold", "room", "expired", "open"):
        task = tasks[name]
        had_room = room(task)
        row = _take(task, alice, now, up_to=overlap)
        assert (row is not None) == had_room, name
        if row is not None:
            lease = Assignment.objects.get(pk=row[0])
            assert (lease.task_id, lease.annotator_id, lease.status) == (task.pk, alice.pk, AssignmentStatus.LEASED)
            assert lease.expires_at == now + timedelta(minutes=30) and lease.display_order == [0, 1]
    # Her earlier lease that ran out is renewed in place; a finished one never is.
    released = Assignment.objects.get(task=tasks["released"], annotator=alice)
    assert _take(tasks["released"], alice, now) == (released.pk,)
    assert Assignment.objects.get(pk=released.pk).status == AssignmentStatus.LEASED
    assert _take(tasks["mine"], alice, now) is None and _take(tasks["skipped"], alice, now) is None
    assert Assignment.objects.get(task=tasks["skipped"], annotator=alice).status == AssignmentStatus.SKIPPED
