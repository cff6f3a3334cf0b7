import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.models import Assignment, AssignmentStatus
from feedback.labelling.selectors import progress_for
from feedback.labelling.services.assignments import assignment_next, assignment_skip, tasks_release_expired
from feedback.labelling.services.labels import Submission, label_submit


def answer_pair(assignment, user, choice="A"):
    return label_submit(assignment_id=assignment.pk,
        user=user,
        submission=Submission(answer={"choice": choice}, submission_id=uuid.uuid4(), time_spent_ms=1200),
    )[0]


def test_next_resumes_the_live_lease(project, annotators, tasks_of):
    tasks_of("pair", 3)
    first = assignment_next(project=project, user=annotators[0])
    assert assignment_next(project=project, user=annotators[0]).pk == first.pk


def test_no_annotator_gets_a_task_twice_and_no_task_gets_more_than_k(project, annotators, make_user, codebook, tasks_of):
    from feedback.labelling.services.codebooks import codebook_acknowledge

    project.overlap = 2
    project.save()
    tasks_of("pair", 2)
    users = annotators + [make_user("dan", project=project)]
    codebook_acknowledge(user=users[-1], codebook=codebook)
    seen = {u.pk: [] for u in users}
    for _ in range(3):
        for user in users:
            assignment = assignment_next(project=project, user=user)
            if assignment is None:
                continue
            seen[user.pk].append(assignment.task_id)
            answer_pair(assignment, user)
    for tasks in seen.values():
        assert len(tasks) == len(set(tasks))
    for task in project.tasks.all():
        assert task.labels.count() == 2 == task.labels_done
    assert sum(len(t) for t in seen.values()) == 4


def test_leases_count_against_k_until_they_expire(project, annotators, tasks_of):
    project.overlap = 1
    project.save()
    tasks_of("pair", 1)
    held = assignment_next(project=project, user=annotators[0])
    assert assignment_next(project=project, user=annotators[1]) is None  # the only slot is leased
    Assignment.objects.filter(pk=held.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = assignment_next(project=project, user=annotators[1])
    assert taken is not None and taken.task_id == held.task_id


def test_late_submit_after_the_slot_was_taken_is_refused_and_nothing_is_over_k(project, annotators, tasks_of):
    import pytest

    from feedback.labelling.errors import AssignmentGone

    project.overlap = 1
    project.save()
    tasks_of("pair", 1)
    late = assignment_next(project=project, user=annotators[0])
    Assignment.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    other = assignment_next(project=project, user=annotators[1])
    answer_pair(other, annotators[1])
    with pytest.raises(AssignmentGone, match="expired"):
        answer_pair(Assignment.objects.get(pk=late.pk), annotators[0])
    assert late.task.labels.count() == 1


def test_late_submit_is_kept_when_nobody_took_the_slot(project, annotators, tasks_of):
    tasks_of("pair", 1)
    late = assignment_next(project=project, user=annotators[0])
    Assignment.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    label = answer_pair(Assignment.objects.get(pk=late.pk), annotators[0])
    assert label.task_id == late.task_id


def test_skip_frees_the_slot_and_the_task_never_comes_back(project, annotators, tasks_of):
    project.overlap = 1
    project.save()
    tasks_of("pair", 1)
    first = assignment_next(project=project, user=annotators[0])
    assignment_skip(assignment=first, user=annotators[0])
    assert assignment_next(project=project, user=annotators[0]) is None
    assert assignment_next(project=project, user=annotators[1]).task_id == first.task_id


def test_expired_leases_are_released_and_can_be_renewed(project, annotators, tasks_of):
    tasks_of("pair", 1)
    mine = assignment_next(project=project, user=annotators[0])
    Assignment.objects.filter(pk=mine.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks_release_expired() == 1
    assert Assignment.objects.get(pk=mine.pk).status == AssignmentStatus.RELEASED
    again = assignment_next(project=project, user=annotators[0])
    assert again.pk == mine.pk and again.status == AssignmentStatus.LEASED and again.is_live


def test_display_order_is_a_recorded_permutation_per_annotator(project, annotators, tasks_of):
    tasks_of("rank", 30)
    orders = set()
    for _ in range(30):
        a = assignment_next(project=project, user=annotators[0])
        assert sorted(a.display_order) == [0, 1, 2]
        orders.add(tuple(a.display_order))
        assignment_skip(assignment=a, user=annotators[0])
    assert len(orders) > 1  # randomized, not canonical every time


def test_gold_items_are_mixed_in_at_the_project_rate(project, annotators, tasks_of):
    regular = tasks_of("pair", 200, prefix="reg")
    gold = tasks_of("thumbs", 200, prefix="gold")
    from feedback.labelling.models import Task

    Task.objects.filter(pk__in=[t.pk for t in gold]).update(is_gold=True, gold_answer={"thumbs": {"0": "up", "1": "down"}})
    project.gold_rate = 0.25
    project.save()
    served = []
    for _ in range(200):
        a = assignment_next(project=project, user=annotators[0])
        served.append(a.task.is_gold)
        assignment_skip(assignment=a, user=annotators[0])
    share = sum(served) / len(served)
    assert 0.15 < share < 0.35
    assert len(regular) == 200


def test_progress_counts_what_is_done_and_left_for_this_annotator(project, codebook, annotators, tasks_of):
    tasks_of("pair", 3)
    assert progress_for(project=project, user=annotators[0]) == (codebook, 0, 3)
    answer_pair(assignment_next(project=project, user=annotators[0]), annotators[0])
    assert progress_for(project=project, user=annotators[0]) == (codebook, 1, 2)
    assert progress_for(project=project, user=annotators[1]) == (codebook, 0, 3)


def _drain(project, user) -> int:
    """How many tasks the page can still give `user`: lease and skip until it has none."""
    given = 0
    while (assignment := assignment_next(project=project, user=user)) is not None:
        assignment_skip(assignment=assignment, user=user)
        given += 1
        assert given < 100
    return given


@pytest.mark.parametrize("gold_rate", [0.01, 0.0])  # 0.01: gold is rarely drawn, so it must come after the rest
def test_left_is_what_the_page_can_give_and_what_others_hold(project, codebook, annotators, tasks_of, gold_rate):
    """"N left" beside "All caught up" was the bug. Every task counted is one the page
    gives, except those others hold for now; once nothing is given, the count is exactly
    those (the page says so), and nothing the page gives goes uncounted (gold)."""
    from feedback.quality.services import calibration_add, gold_mark
    from tests.support.labels import make_label

    alice, bob, carol = annotators
    project.overlap, project.gold_rate = 2, gold_rate
    project.save()
    (full, others_hold, room, skipped, gold, calibrated, expired, mine) = tasks_of("pair", 8)
    now = timezone.now()

    def lease(task, user, *, minutes=30):
        Assignment.objects.create(task=task, annotator=user, status=AssignmentStatus.LEASED, leased_at=now,
                                  expires_at=now + timedelta(minutes=minutes), display_order=[0, 1])

    make_label(full, bob, codebook, {"choice": "A", "strength": None})
    make_label(full, carol, codebook, {"choice": "B", "strength": None})  # full: not counted
    make_label(others_hold, bob, codebook, {"choice": "A", "strength": None})
    lease(others_hold, carol)  # one label and another's live lease: counted, not given (held)
    lease(room, bob)  # no label, one lease of another: room for alice
    assignment_skip(assignment=Assignment.objects.create(task=skipped, annotator=alice, expires_at=now + timedelta(hours=1)),
                    user=alice)  # skipped: not counted
    gold_mark(task=gold, answer={"choice": "A"})  # given (and counted) only where the project serves gold
    calibration_add(codebook=codebook, tasks=[calibrated])  # a copy for every annotator, besides the original
    lease(expired, bob, minutes=-1)  # an expired lease of another: room again
    make_label(mine, alice, codebook, {"choice": "A", "strength": None})  # done

    given = 4 + (gold_rate > 0)  # room, calibrated and its copy, expired, (gold)
    assert progress_for(project=project, user=alice) == (codebook, 1, given + 1)  # + the one others hold
    assert _drain(project, alice) == given
    assert progress_for(project=project, user=alice) == (codebook, 1, 1)
    assert assignment_next(project=project, user=alice) is None


def test_a_new_codebook_counts_its_own_calibration_items_only(project, codebook, annotators, admin_user, tasks_of):
    from feedback.labelling.services.codebooks import codebook_publish
    from feedback.quality.services import calibration_add

    project.gold_rate = 0
    project.save()
    first, second = tasks_of("pair", 2)
    calibration_add(codebook=codebook, tasks=[second])
    assert progress_for(project=project, user=annotators[0])[1:] == (0, 3)
    # A new version carries the calibration item over; the old version's copy no longer counts.
    v2 = codebook_publish(project=project, text="# Rules v2", author=admin_user)
    assert progress_for(project=project, user=annotators[0]) == (v2, 0, 3)


@pytest.mark.postgres
def test_the_pick_probes_each_walked_tasks_own_assignments(postgres, project, annotators, make_user, tasks_of):
    """An annotator ahead of the others walks past every open task they already did. Each
    must cost one probe of that task's few assignments, not a scan of all the
    annotator's (what Postgres planned from statistics that predate the annotator: a
    materialized anti-join, or their index scanned per task). Counted in rows the plan
    examined (EXPLAIN ANALYZE), not in time."""
    import json

    from django.db import connection

    from feedback.labelling.sql.assignments import regular_pick
    from feedback.labelling.sql.rows import db_datetime

    tasks = tasks_of("pair", 400)
    week_ago = timezone.now() - timedelta(days=7)
    for j in range(3):  # a history on other tasks, so that planning weighs indexes against scans
        past = make_user(f"past{j}", project=project)
        Assignment.objects.bulk_create(
            Assignment(task=t, annotator=past, status=AssignmentStatus.SKIPPED, leased_at=week_ago,
                       expires_at=week_ago, finished_at=week_ago) for t in tasks[200:]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE labelling_assignment")  # statistics from before the annotator's work
    fast = annotators[0]
    for _ in range(120):
        answer_pair(assignment_next(project=project, user=fast), fast)
    now = db_datetime(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + regular_pick(tried=0),
                       {"project": project.pk, "overlap": project.overlap, "annotator": fast.pk, "now": now})
        plan = cursor.fetchone()[0][0]["Plan"]
    nodes, stack = [], [plan]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))

    def examined(node):
        return node["Actual Loops"] * (node["Actual Rows"] + node.get("Rows Removed by Filter", 0))

    walked = sum(examined(n) for n in nodes if n.get("Index Name") == "task_pool_idx")
    probed = sum(examined(n) + n.get("Rows Removed by Join Filter", 0) for n in nodes
                 if n.get("Alias") == "mine" or "Rows Removed by Join Filter" in n)
    assert walked >= 120  # it did walk past the annotator's open tasks
    assert probed <= 4 * walked, json.dumps(plan)
