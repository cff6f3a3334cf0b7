"""Per-turn tasks in the review figures: disputed when any turn's thumbs differ, gold
matched turn by turn, and read in the queue turn by turn."""
import json

import pytest
from django.urls import reverse

from feedback.labelling.models import Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.disputes import majority_share
from feedback.quality.presenters import with_readable_answers
from feedback.quality.reliability import answer_matches, pair_choice
from tests.support.labels import make_label


def turns(*thumbs):
    return {"turns": {str(2 * i + 1): {"thumb": thumb} for i, thumb in enumerate(thumbs)}}


def test_a_turns_task_is_disputed_by_its_most_split_turn():
    assert majority_share("turns", [turns("up", "up"), turns("up", "up")]) is None
    assert majority_share("turns", [turns("up", "up"), turns("up", "down"), turns("up", "down")]) == 0.667


def test_gold_is_matched_on_every_turn_and_the_majority_on_the_whole_conversation():
    assert answer_matches("turns", turns("up", "down"), turns("up", "down"))
    assert not answer_matches("turns", turns("up", "up"), turns("up", "down"))
    assert pair_choice("turns", turns("up", "down")) == "t1:up,t3:down"


def test_the_queue_reads_each_turns_thumbs():
    item = {"kind": "turns", "given": [(1, turns("up", "down"), [0]), (2, turns("down", "down"), [0])]}
    assert with_readable_answers([item])[0]["answers"] == ["Turn 2: 1 up · 1 down", "Turn 4: 0 up · 2 down"]


@pytest.mark.django_db
def test_the_review_pages_show_a_disputed_turns_task_turn_by_turn(client, project, annotators, reviewer, codebook):
    conversation = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
                    {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye."}]
    import_jsonl(project=project, lines=[json.dumps({"external_id": "c1", "kind": "turns", "prompt": conversation})])
    task = Task.objects.get(project=project)
    for user, answer in zip(annotators, (turns("up", "up"), turns("up", "down"), turns("up", "down"))):
        make_label(task, user, codebook, answer)
    client.force_login(reviewer)
    queue = client.get(reverse("quality:queue", args=[project.slug]) + "?kind=turns")
    assert queue.status_code == 200 and "Turn 4: 1 up · 2 down" in queue.content.decode()
    dashboard = client.get(reverse("quality:dashboard", args=[project.slug]))
    assert dashboard.status_code == 200 and 'data-testid="percent-turns"' in dashboard.content.decode()
    page = client.get(reverse("quality:adjudicate", args=[project.slug, task.pk]))
    assert page.status_code == 200 and "Turn 2 ✓, Turn 4 ✗" in page.content.decode()
    refused = client.post(reverse("quality:adjudicate", args=[project.slug, task.pk]), {"turn_1": "up", "note": ""})
    assert refused.status_code == 400 and "Turn 4" in refused.content.decode()
    labels = client.get(reverse("labelling:labels", args=[project.slug]))
    assert labels.status_code == 200 and "Turn 2 ✓, Turn 4 ✓" in labels.content.decode()
