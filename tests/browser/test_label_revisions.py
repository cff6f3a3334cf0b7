"""An annotator undoes their last label with the advertised shortcut (the task is back on
screen, the database holds no label and the earlier answer as a revision), undoes one
from their labels, edits another from its page; a reviewer sees the history. Every page
at 1280 and 390 px wide, nothing wider than the window."""
import json

import pytest

from feedback.labelling.models import Label, LabelRevision
from tests.browser.test_labelling_page import import_tasks, press_for_next, shown
from tests.support.browser import fits_at_each_width, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]





@pytest.fixture
def alice(project, annotators):
    project.gold_rate = 0
    project.save()
    import_tasks(project, "pair", 4, 2)
    return annotators[0]


def test_undo_with_the_shortcut_then_edit_and_a_reviewer_sees_the_history(page, browser, live_server, project, alice,
                                                                          reviewer):
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    page.click("[data-action=shortcuts]")
    assert "Undo your last label" in page.inner_text("#shortcuts")
    page.keyboard.press("Escape")

    first = shown(page)
    page.keyboard.press("1")
    press_for_next(page, "Enter", first)
    second = shown(page)
    page.keyboard.press("2")
    press_for_next(page, "Enter", second)
    third = shown(page)
    assert Label.objects.filter(annotator=alice).count() == 2
    second_answer = Label.objects.get(assignment=second).answer

    # z: the second task is back on screen, its label gone, its answer kept.
    press_for_next(page, "z", third)
    back = shown(page)
    assert back.pk == second.pk
    page.wait_for_selector("[data-testid=undone]")
    assert page.is_visible("button[data-testid=undo-last]")
    assert not Label.objects.filter(assignment=second).exists()
    revision = LabelRevision.objects.get()
    assert (revision.action, revision.assignment_id, revision.answer) == ("undo", second.pk, second_answer)
    fits_at_each_width(page, "label-undone")

    # Labelled again, differently.
    page.keyboard.press("0")
    press_for_next(page, "Enter", back)
    assert Label.objects.get(assignment=second).answer == {"choice": "tie", "strength": None}

    # Edit the first label from "Your labels" → its page → Edit.
    page.goto(f"/p/{project.slug}/labels/")
    fits_at_each_width(page, "labels-list")
    first_label = Label.objects.get(assignment=first)
    page.click(f"a[href$='/labels/{first_label.pk}/']")
    page.click("[data-testid=edit-label]")
    page.wait_for_selector("[data-testid=edit-form]")
    fits_at_each_width(page, "label-edit")
    page.check("input[name=choice][value=both_bad]")
    page.click("details.rewrite summary")
    page.fill("textarea[name=comment]", "Neither answers the question.")
    page.click("[data-testid=save-edit]")
    page.wait_for_selector("[data-testid=revisions]")
    first_label.refresh_from_db()
    assert first_label.answer == {"choice": "both_bad", "strength": None}
    assert first_label.comment == "Neither answers the question."
    edit = LabelRevision.objects.get(action="edit")
    assert edit.label_id == first_label.pk and edit.answer["choice"] in ("A", "B")
    assert page.locator("[data-testid=revision]").count() == 1
    fits_at_each_width(page, "label-detail-annotator")

    # The list marks both labels: one edited, one given again after an undo.
    page.goto(f"/p/{project.slug}/labels/")
    assert page.locator("[data-testid=revised]").count() == 2

    # A reviewer sees the history on the label given again.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    reviewer_page = context.new_page()
    try:
        log_in(reviewer_page, "rita", "rita-pw")
        again = Label.objects.get(assignment=second)
        reviewer_page.goto(f"/p/{project.slug}/labels/{again.pk}/")
        revisions = reviewer_page.locator("[data-testid=revision]")
        assert revisions.count() == 1
        assert "Undone" in revisions.first.inner_text()
        assert json.dumps(second_answer) in revisions.first.inner_text()
        # Not theirs: no edit or undo offered.
        assert reviewer_page.locator("[data-testid=edit-label]").count() == 0
        fits_at_each_width(reviewer_page, "label-detail-reviewer")
    finally:
        context.close()


def test_undo_last_from_your_labels_and_a_refusal_reads_as_such(page, project, alice):
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    first = shown(page)
    page.keyboard.press("1")
    press_for_next(page, "Enter", first)

    page.goto(f"/p/{project.slug}/labels/")
    page.click("button[data-testid=undo-last]")
    page.wait_for_url(f"**/p/{project.slug}/label/")
    assert shown(page).pk == first.pk
    assert "Undone" in page.inner_text("#messages")
    assert not Label.objects.filter(assignment=first).exists()
    assert LabelRevision.objects.filter(assignment=first, action="undo").count() == 1
    # Nothing left to undo: the list offers no button, and a post says why (404).
    page.goto(f"/p/{project.slug}/labels/")
    assert page.locator("button[data-testid=undo-last]").count() == 0
    fits_at_each_width(page, "labels-list-empty")
