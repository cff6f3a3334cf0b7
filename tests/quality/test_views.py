"""Quality pages are for reviewers and admins."""
import re

import pytest

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
    assert "Which one?" in page and f"{reverse('quality:adjudicate', args=[project.slug, task.pk])}?next=" in page
    response = client.post(reverse("quality:adjudicate", args=[project.slug, task.pk]), {"choice": "A", "next": queue})
    assert response["Location"] == queue
    assert "Nothing waits for a final answer" in client.get(queue).content.decode()
    assert "Which one?" in client.get(queue + "?show=all").content.decode()
    # the form comes back filled in with the recorded answer
    assert re.search(r'name="choice" value="A" required\s+checked',
                     client.get(reverse("quality:adjudicate", args=[project.slug, task.pk])).content.decode())


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
    assert client.get(gold, {"task": task.pk})["Location"].endswith(f"/tasks/{task.pk}/adjudicate/?gold=1&next=%2Fp%2F{project.slug}%2Fquality%2Fgold%2F")
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
    """The labelling page's rank fields (rank_<position> = 1..n), read by its converter."""
    (task,) = tasks_of("rank", 1)
    adjudicate = reverse("quality:adjudicate", args=[project.slug, task.pk])
    client.force_login(reviewer)
    page = client.get(adjudicate).content.decode()
    assert "Response 1</span>" in page and "Response 3</span>" in page and "Response 0" not in page
    # Response 3 best, then 1, then 2
    assert client.post(adjudicate, {"rank_0": "2", "rank_1": "3", "rank_2": "1"}).status_code == 302
    assert Adjudication.objects.get(task=task).answer == {"order": [2, 0, 1]}
    page = client.get(adjudicate).content.decode()
    assert '<option value="1" selected>' in page and 'Current: <span class="mono">3 &gt; 1 &gt; 2</span>' in page
    refused = client.post(adjudicate, {"rank_0": "0", "rank_1": "1", "rank_2": "2"})  # there is no rank 0
    assert refused.status_code == 400 and "Use each rank from 1 to 3 exactly once" in refused.content.decode()
    assert client.post(adjudicate, {"rank_0": "1", "rank_1": "1"}).status_code == 400  # one missing
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


def test_the_queue_refuses_a_bad_sort_or_filter_with_400_and_says_why(client, project, annotators, codebook, reviewer):
    _disputed_task(project, annotators, codebook)
    queue = reverse("quality:queue", args=[project.slug])
    client.force_login(reviewer)
    for query, message in [({"sort": "random"}, "sort: use split, agreed, labels, newest"),
                           ({"kind": "poll"}, "kind: use pair, rank, thumbs"),
                           ({"max_share": "2"}, "max_share: a majority share from 0 to 1"),
                           ({"max_share": "NaN"}, "max_share"), ({"codebook_version": "v1"}, "codebook_version"),
                           ({"show": "none"}, "show: use open or all")]:
        refused = client.get(queue, query)
        text = refused.content.decode()
        assert refused.status_code == 400 and message in text and "Showing the open disputed tasks instead." in text
        assert "Which one?" in text  # and the open tasks, as with nothing asked
    page = client.get(queue, {"sort": "labels", "kind": "pair", "max_share": "0.5", "codebook_version": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and "Which one?" in text
    assert '<option value="labels" selected>' in text and '<option value="pair" selected>' in text
    assert 'name="max_share" min="0" max="1" step="any" value="0.5"' in text and '<option value="1" selected>v1</option>' in text
    # the way back from a task keeps the sort and filters
    assert "?next=/p/answers/quality/disputed/%3Fsort%3Dlabels%26kind%3Dpair" in text
    assert "Which one?" not in client.get(queue, {"kind": "rank"}).content.decode()


def test_the_queue_reads_the_projects_dispute_threshold(client, project, annotators, codebook, reviewer):
    from django.core.exceptions import ValidationError

    task = _disputed_task(project, annotators, codebook)
    make_label(task, annotators[2], codebook, {"choice": "B", "strength": None})  # majority share 0.667
    queue = reverse("quality:queue", args=[project.slug])
    client.force_login(reviewer)
    assert project.dispute_threshold == 1.0 and "Which one?" in client.get(queue).content.decode()
    project.dispute_threshold = 0.6
    project.save()
    page = client.get(queue).content.decode()
    assert "Which one?" not in page and 'value="0.6"' in page and "dispute threshold (0.6; set in" in page
    assert "Which one?" in client.get(queue, {"max_share": "0.7"}).content.decode()
    project.dispute_threshold = 0.4
    with pytest.raises(ValidationError, match="dispute_threshold"):
        project.full_clean()


def test_adjudication_takes_the_labelling_pages_fields(client, project, tasks_of, reviewer):
    (pair,) = tasks_of("pair", 1)
    (thumbs,) = tasks_of("thumbs", 1)
    client.force_login(reviewer)
    url = reverse("quality:adjudicate", args=[project.slug, pair.pk])
    assert client.post(url, {"choice": "B", "strength": "2"}).status_code == 302
    assert Adjudication.objects.get(task=pair).answer == {"choice": "B", "strength": 2}
    page = client.get(url).content.decode()
    assert re.search(r'value="B" required\s+checked', page) and '<option value="2" selected>Clearly</option>' in page
    refused = client.post(url, {"choice": "B", "strength": "7"})
    assert refused.status_code == 400 and "Strength is 1 (slightly)" in refused.content.decode()
    assert client.post(url, {"choice": "C"}).status_code == 400
    assert client.post(url, {"choice": "A", "note": "x" * 2001}).status_code == 400
    assert Adjudication.objects.get(task=pair).answer == {"choice": "B", "strength": 2}

    url = reverse("quality:adjudicate", args=[project.slug, thumbs.pk])
    refused = client.post(url, {"thumb_0": "up"})
    assert refused.status_code == 400 and "Give every response a thumbs up or down." in refused.content.decode()
    assert client.post(url, {"thumb_0": "up", "thumb_1": "down"}).status_code == 302
    assert Adjudication.objects.get(task=thumbs).answer == {"thumbs": {"0": "up", "1": "down"}}


def test_the_answers_given_read_as_each_annotator_saw_them(client, project, annotators, codebook, reviewer):
    from feedback.labelling.models import Label

    task = _disputed_task(project, annotators, codebook)
    Label.objects.filter(task=task, annotator=annotators[1]).update(display_order=[1, 0])  # bob saw "two" first
    client.force_login(reviewer)
    page = client.get(reverse("quality:adjudicate", args=[project.slug, task.pk])).content.decode()
    rows = re.findall(r'data-testid="as-seen">(.*?)<br>.*?data-testid="here">(.*?)</td>', page, re.S)
    assert rows == [("Response 1 is better", "Response 1"), ("Response 1 is better", "Response 2")]
    assert "in the order 2, 1" in page


def test_each_page_gets_its_way_back_and_no_other(client, project, annotators, codebook, reviewer, admin_user):
    task = _disputed_task(project, annotators, codebook)
    url = reverse("quality:adjudicate", args=[project.slug, task.pk])
    gold, queue = reverse("quality:gold", args=[project.slug]), reverse("quality:queue", args=[project.slug])
    dashboard = reverse("quality:dashboard", args=[project.slug])
    client.force_login(reviewer)
    for wanted, back in [(f"{queue}?sort=newest&kind=pair", f"{queue}?sort=newest&kind=pair"), (gold, gold),
                         ("https://elsewhere.example/p/answers/quality/gold/", dashboard),
                         ("//elsewhere.example/p/answers/quality/gold/", dashboard),
                         ("/p/answers/labels/", dashboard), ("/p/other/quality/gold/", dashboard), ("", dashboard)]:
        assert client.post(url, {"choice": "A", "next": wanted})["Location"] == back
    assert f'href="{gold}" class="muted" data-testid="back">Gold</a>' in client.get(url, {"next": gold}).content.decode()

    # an admin's "Set its gold answer" on the Gold page comes back to the Gold page
    client.force_login(admin_user)
    page = client.get(client.get(gold, {"task": task.pk})["Location"])
    assert f'name="next" value="{gold}"' in page.content.decode()
    response = client.post(page.request["PATH_INFO"], {"choice": "B", "make_gold": "on", "next": gold}, follow=True)
    assert response.redirect_chain[-1][0] == gold and "(now a gold item)" in response.content.decode()
    task.refresh_from_db()
    assert task.is_gold and task.gold_answer == {"choice": "B", "strength": None}
