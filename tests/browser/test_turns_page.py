"""Conversations in the browser: a per-turn task judged turn by turn with the keys the
page advertises (the stored answer checked), with a rubric's points by digit; a chat
prompt's long history folded and unfolded; the label's page and the adjudication page
of a turns task; each screenshotted on a laptop and a phone, nothing wider than the window."""
import json

import pytest

from feedback.labelling.models import CodebookVersion, Label, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.models import Adjudication
from tests.browser.test_labelling_page import press_for_next, says_nothing_was_sent, shown
from tests.support.browser import fits_at_each_width, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chat(turns: int) -> list[dict]:
    """A system message, then `turns` user questions each answered by the assistant."""
    messages = [{"role": "system", "content": "You are a patient gardening assistant."}]
    for i in range(1, turns + 1):
        messages.append({"role": "user", "content": f"Question {i}: how often should I water **tomatoes** in week {i}?"})
        messages.append({"role": "assistant", "content": f"Answer {i}: water deeply every {i + 1} days; "
                                                         "more often in a heat wave.\n\n- check the soil\n- water at the base"})
    return messages


def import_line(project, **item):
    import_jsonl(project=project, lines=[json.dumps(item)])


@pytest.fixture
def alice(project, annotators):
    project.gold_rate = 0
    project.save()
    return annotators[0]


def focused_turn(page) -> int:
    return int(page.get_attribute(".judged-turn.focused", "data-turn"))




def test_each_turn_is_judged_by_keyboard_and_stored_by_its_index(page, project, alice):
    import_line(project, external_id="garden-1", kind="turns", prompt=chat(4))  # assistant turns 2, 4, 6, 8
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    assert page.locator("[data-testid=judged-turn]").count() == 4
    assert "j</kbd>/<kbd>k" in page.inner_html(".turns-hint")
    page.keyboard.press("Enter")
    says_nothing_was_sent(page, assignment, "u good", "d bad")
    assert focused_turn(page) == 2
    page.keyboard.press("u")  # turn 2 good; on to turn 4
    assert focused_turn(page) == 4
    page.keyboard.press("d")  # turn 4 bad; on to turn 6
    page.keyboard.press("k")  # back to turn 4
    assert focused_turn(page) == 4
    page.keyboard.press("u")  # turn 4 changed to good; on to the next unjudged, turn 6
    assert focused_turn(page) == 6
    page.keyboard.press("j")
    page.keyboard.press("d")  # turn 8 (the candidate) bad
    page.keyboard.press("ArrowUp")
    assert focused_turn(page) == 6
    page.keyboard.press("u")
    fits_at_each_width(page, "turns-label")
    page.keyboard.press("?")
    assert "assistant turn" in page.inner_text("#shortcuts")
    page.keyboard.press("Escape")
    press_for_next(page, "Enter", assignment)
    label = Label.objects.get(assignment=assignment)
    assert label.answer == {"turns": {"2": {"thumb": "up"}, "4": {"thumb": "up"}, "6": {"thumb": "up"},
                                      "8": {"thumb": "down"}}}

    page.goto(f"/p/{project.slug}/labels/{label.pk}/")
    assert page.inner_text("[data-testid=seen-summary]") == "Turn 3 ✓, Turn 5 ✓, Turn 7 ✓, Turn 9 ✗"
    assert page.locator("[data-testid=judged-turn]").count() == 4
    fits_at_each_width(page, "turns-label-detail")
    page.goto(f"/p/{project.slug}/labels/{label.pk}/edit/")
    assert focused_turn(page) == 2
    page.keyboard.press("j")
    page.keyboard.press("d")  # turn 4 changed to bad
    page.click("[data-testid=save-edit]")
    page.wait_for_url(f"**/labels/{label.pk}/")
    label.refresh_from_db()
    assert label.answer["turns"]["4"] == {"thumb": "down"} and label.answer["turns"]["8"] == {"thumb": "down"}


def test_a_rubric_rates_each_turn_with_digits(page, project, alice, codebook):
    CodebookVersion.objects.filter(pk=codebook.pk).update(rubric=[
        {"name": "helpfulness", "question": "Does it help?", "scale": {"min": 1, "max": 5},
         "points": {"1": "Not at all", "5": "Fully"}, "kinds": ["turns"]},
        {"name": "tone", "question": "Is it kind?", "scale": {"min": 1, "max": 3}, "kinds": ["turns"]}])
    import_line(project, external_id="garden-2", kind="turns", prompt=chat(1)[:-1],
                candidates=[{"text": "Every two or three days.", "producer": "m"}])
    import_line(project, external_id="garden-3", kind="turns", prompt=chat(2))
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    turns = page.locator("[data-testid=judged-turn]").count()
    for _ in range(turns):
        page.keyboard.press("u")
        page.keyboard.press("4")  # helpfulness 4, on to tone
        page.keyboard.press("ArrowLeft")  # back to helpfulness
        page.keyboard.press("5")
        page.keyboard.press("2")  # tone 2: the turn is done, on to the next
    fits_at_each_width(page, "turns-rubric")
    press_for_next(page, "Enter", assignment)
    answer = Label.objects.get(assignment=assignment).answer
    assert len(answer["turns"]) == turns
    assert all(turn == {"thumb": "up", "ratings": {"helpfulness": 5, "tone": 2}} for turn in answer["turns"].values())


def test_a_long_chat_prompt_folds_its_history_and_marks_the_turn_judged(page, project, alice):
    messages = chat(4)
    import_line(project, external_id="garden-4", kind="thumbs", prompt=messages[:-1],
                candidates=[{"text": "Every three days.", "producer": "m0"}, {"text": "Daily.", "producer": "m1"}])
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    shown(page)
    toggle = page.locator("[data-testid=chat-history-toggle]")
    assert "Show 5 earlier turns" in toggle.inner_text()
    first_question = page.locator(".rendered", has_text="Question 1:")
    assert not first_question.is_visible()
    assert page.locator(".rendered", has_text="Question 4:").is_visible()  # the last few turns are shown
    assert page.locator("[data-testid=judged-slot]").is_visible()
    fits_at_each_width(page, "chat-folded")
    toggle.click()
    assert first_question.is_visible()
    assert "Hide the earlier turns" in toggle.inner_text()
    fits_at_each_width(page, "chat-unfolded")
    toggle.click()
    assert not first_question.is_visible()


def test_a_reviewer_adjudicates_a_turns_task_with_the_same_keys(page, project, alice, reviewer):
    import_line(project, external_id="garden-5", kind="turns", prompt=chat(2))  # turns 2 and 4
    task = Task.objects.get(project=project)
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/tasks/{task.pk}/adjudicate/")
    page.keyboard.press("d")
    page.keyboard.press("u")
    fits_at_each_width(page, "turns-adjudicate")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "adjudicate" not in url)
    assert Adjudication.objects.get(task=task).answer == {"turns": {"2": {"thumb": "down"}, "4": {"thumb": "up"}}}
