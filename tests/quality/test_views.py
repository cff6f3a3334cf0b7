"""Quality pages are for reviewers and admins."""
from django.urls import reverse

from feedback.labelling.models import Role, Task
from feedback.quality.models import Adjudication
from tests.support.rows import jsonl_lines
from tests.support.labels import make_label


def test_dashboard_and_adjudication_are_reviewer_only(client, project, annotators, codebook, make_user):
    from feedback.labelling.services.imports import import_jsonl

    import_jsonl(project=project, lines=jsonl_lines([{"external_id": "x", "prompt": "Q?", "kind": "pair",
                 "candidates": [{"text": "one", "producer": "m"}, {"text": "two", "producer": "m"}]}]))
    task = Task.objects.get(project=project)
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None})
    dashboard = reverse("quality:dashboard", args=[project.slug])
    adjudicate = reverse("quality:adjudicate", args=[project.slug, task.pk])
    client.force_login(annotators[0])
    assert client.get(dashboard).status_code == 403 and client.get(adjudicate).status_code == 403
    assert client.post(adjudicate, {"choice": "A"}).status_code == 403 and not Adjudication.objects.exists()

    reviewer = make_user("rita", project=project, role=Role.REVIEWER)
    client.force_login(reviewer)
    page = client.get(dashboard).content.decode()
    assert adjudicate in page and "alice" in page
    assert "two" in client.get(adjudicate).content.decode()
    assert client.post(adjudicate, {"choice": "B", "note": "two is right", "make_gold": "on"}).status_code == 302
    adjudication = Adjudication.objects.get(task=task)
    assert adjudication.answer["choice"] == "B" and adjudication.reviewer == reviewer
    task.refresh_from_db()
    assert not task.is_gold  # only admins make gold items
    assert client.post(adjudicate, {"choice": ""}).status_code == 400


def _disputed_task(project, annotators, codebook):
    from feedback.labelling.services.imports import import_jsonl

    import_jsonl(project=project, lines=jsonl_lines([{"external_id": "q", "prompt": "Which one?", "kind": "pair",
                 "candidates": [{"text": "one", "producer": "m"}, {"text": "two", "producer": "m"}]}]))
    task = Task.objects.get(project=project, prompt__external_id="q")
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None})
    return task


def test_the_adjudication_queue_is_for_reviewers_and_returns_there(client, project, annotators, codebook, reviewer):
    task = _disputed_task(project, annotators, codebook)
    queue = reverse("quality:queue", args=[project.slug])
    client.force_login(annotators[0])
    assert client.get(queue).status_code == 403
    client.force_login(reviewer)
    page = client.get(queue).content.decode()
    assert "Which one?" in page and f"{reverse('quality:adjudicate', args=[project.slug, task.pk])}?from=queue" in page
    response = client.post(reverse("quality:adjudicate", args=[project.slug, task.pk]), {"choice": "A", "back": "queue"})
    assert response["Location"] == queue
    assert "Nothing waits for a final answer" in client.get(queue).content.decode()
    assert "Which one?" in client.get(queue + "?show=all").content.decode()
    # the form comes back filled in with the recorded answer
    assert '<option value="A" selected>' in client.get(reverse("quality:adjudicate", args=[project.slug, task.pk])).content.decode()


def test_gold_page_reviewers_see_admins_change(client, project, annotators, codebook, reviewer, admin_user):
    from feedback.quality.services import gold_mark

    task = _disputed_task(project, annotators, codebook)
    gold_mark(task=task, answer={"choice": "B"})
    gold = reverse("quality:gold", args=[project.slug])
    unmark = reverse("quality:gold_unmark", args=[project.slug, task.pk])
    calibrate = reverse("quality:calibration_add", args=[project.slug])
    client.force_login(annotators[0])
    assert client.get(gold).status_code == 403
    client.force_login(reviewer)
    page = client.get(gold).content.decode()
    assert "Which one?" in page and unmark not in page
    assert client.post(unmark).status_code == 403 and client.post(calibrate, {"task_ids": str(task.pk)}).status_code == 403
    assert client.get(gold, {"task": task.pk}).status_code == 200  # only admins are sent on to set a gold answer

    client.force_login(admin_user)
    assert client.get(gold, {"task": task.pk})["Location"].endswith(f"/tasks/{task.pk}/adjudicate/?gold=1")
    assert client.post(unmark).status_code == 302
    task.refresh_from_db()
    assert not task.is_gold
    client.post(calibrate, {"task_ids": f"{task.pk}"})
    assert codebook.calibration_tasks.count() == 1
    client.post(calibrate, {"random_count": "5"})  # only one regular task exists; its copy is reused
    assert codebook.calibration_tasks.count() == 1
    assert "Give task numbers" in client.post(calibrate, {"task_ids": "x"}, follow=True).content.decode()


def test_dashboard_date_window_includes_its_last_day(client, project, annotators, codebook, reviewer):
    from django.utils import timezone

    _disputed_task(project, annotators, codebook)
    today = timezone.localdate().isoformat()
    client.force_login(reviewer)
    page = client.get(reverse("quality:dashboard", args=[project.slug]), {"since": today, "until": today}).content.decode()
    assert 'data-testid="alpha-pair"' in page and "No labels in this selection" not in page
    assert f'value="{today}" aria-label="Until"' in page


def test_only_admins_apply_a_tier(client, project, annotators, reviewer, admin_user):
    from feedback.labelling.models import Membership

    tier = reverse("quality:tier", args=[project.slug, annotators[0].pk])
    client.force_login(reviewer)
    assert client.post(tier, {"tier": "expert"}).status_code == 403
    client.force_login(admin_user)
    assert client.post(tier, {"tier": "expert"}).status_code == 302
    assert Membership.objects.get(project=project, user=annotators[0]).tier == "expert"


def test_a_rank_final_answer_is_given_in_response_numbers(client, project, tasks_of, reviewer):
    (task,) = tasks_of("rank", 1)
    adjudicate = reverse("quality:adjudicate", args=[project.slug, task.pk])
    client.force_login(reviewer)
    page = client.get(adjudicate).content.decode()
    assert "Response 1</span>" in page and "Response 3</span>" in page and "Response 0" not in page
    assert client.post(adjudicate, {"order": "3, 1, 2"}).status_code == 302
    assert Adjudication.objects.get(task=task).answer == {"order": [2, 0, 1]}
    page = client.get(adjudicate).content.decode()
    assert 'value="3,1,2"' in page and "Current: <span class=\"mono\">3 &gt; 1 &gt; 2</span>" in page
    assert client.post(adjudicate, {"order": "0,1,2"}).status_code == 400  # there is no Response 0
    assert Adjudication.objects.get(task=task).answer == {"order": [2, 0, 1]}


def test_dashboard_kind_filter_keeps_that_kind_and_says_what_it_did_not_know(client, project, annotators, codebook,
                                                                            reviewer, tasks_of):
    _disputed_task(project, annotators, codebook)
    thumbs = tasks_of("thumbs", 1)[0]
    for user in annotators:
        make_label(thumbs, user, codebook, {"thumbs": {"0": "up", "1": "down"}})
    client.force_login(reviewer)
    url = reverse("quality:dashboard", args=[project.slug])
    page = client.get(url, {"kind": "thumbs"}).content.decode()
    assert 'data-testid="alpha-thumbs"' in page and 'data-testid="alpha-pair"' not in page
    assert '<option value="thumbs" selected>' in page
    refused = client.get(url, {"kind": "poll"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "kind: unknown poll; use thumbs, pair, rank" in text and "Showing every label instead." in text
    assert 'data-testid="alpha-pair"' in text and 'data-testid="alpha-thumbs"' in text
