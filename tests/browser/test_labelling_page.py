"""An annotator labels a pair, a thumbs and a rank task with the keyboard only."""
import pytest

from feedback.labelling.models import Assignment, Label
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_labelling_of_each_kind(page, project, make_user, codebook, tasks_of):
    project.gold_rate = 0
    project.save()
    pair, thumbs, rank = tasks_of("pair", 1)[0], tasks_of("thumbs", 1)[0], tasks_of("rank", 1)[0]
    alice = make_user("alice", project=project)

    log_in(page, "alice", "alice-pw")
    screenshot(page, "projects")
    page.click("text=Start labelling")
    # First visit: the codebook must be read and acknowledged.
    page.wait_for_selector("[data-testid=acknowledge]")
    screenshot(page, "codebook")
    page.click("[data-testid=acknowledge]")

    page.wait_for_selector("#label-form[data-kind=pair]")
    assert "Codebook v1" in page.inner_text(".task-status")
    screenshot(page, "pair")
    page.wait_for_timeout(300)
    page.keyboard.press("2")  # the response shown on the right
    page.keyboard.press("Enter")

    page.wait_for_selector("#label-form[data-kind=thumbs]")
    assert page.inner_text("[data-testid=done-count]") == "1"
    page.keyboard.press("u")  # first shown: up, then focus moves on
    page.keyboard.press("d")  # second shown: down
    screenshot(page, "thumbs")
    page.keyboard.press("Enter")

    page.wait_for_selector("#label-form[data-kind=rank]")
    for key in ("3", "1", "2"):  # best first, by shown number
        page.keyboard.press(key)
    screenshot(page, "rank")
    page.keyboard.press("Enter")

    page.wait_for_selector("[data-testid=no-task]")
    screenshot(page, "done")
    assert page.inner_text("[data-testid=done-count]") == "3"

    labels = {label.task_id: label for label in Label.objects.filter(annotator=alice)}
    assert set(labels) == {pair.pk, thumbs.pk, rank.pk}
    for label in labels.values():
        assignment = Assignment.objects.get(pk=label.assignment_id)
        assert label.codebook_id == codebook.pk
        assert label.display_order == assignment.display_order
        assert sorted(label.display_order) == list(range(len(label.display_order)))
        assert 0 < label.time_spent_ms < 60_000

    shown = labels[pair.pk].display_order
    assert labels[pair.pk].answer["choice"] == "AB"[shown[1]]
    shown = labels[thumbs.pk].display_order
    assert labels[thumbs.pk].answer["thumbs"] == {str(shown[0]): "up", str(shown[1]): "down"}
    shown = labels[rank.pk].display_order
    assert labels[rank.pk].answer["order"] == [shown[2], shown[0], shown[1]]


def test_question_mark_toggles_the_codebook_panel(page, project, annotators, tasks_of):
    tasks_of("pair", 1)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assert page.is_visible("#codebook-panel")
    page.keyboard.press("?")
    assert not page.is_visible("#codebook-panel")
    page.keyboard.press("?")
    assert page.is_visible("#codebook-panel")
