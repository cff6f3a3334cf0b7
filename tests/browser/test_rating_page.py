"""Rubric ratings by keyboard only, as the page advertises them: a rate task, a pair whose
rubric rates helpfulness too, and a rate task adjudicated with the same controls; each
time the database holds the ratings in canonical positions."""
import json

import pytest

from feedback.labelling.models import Label, Task
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.models import Adjudication
from tests.browser.test_labelling_page import press_for_next, shown
from tests.support.browser import fits_at_each_width, log_in
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUBRIC = [
    {"name": "helpfulness", "question": "How well does it do what was asked?", "scale": {"min": 1, "max": 5},
     "points": {"1": "Ignores the request", "2": "Misses most of it", "3": "Answers part of it",
                "4": "Answers it, small gaps", "5": "Does all of it"}, "kinds": ["rate", "pair"]},
    {"name": "correctness", "question": "Is it true?", "scale": {"min": 1, "max": 3},
     "points": {"1": "Wrong", "3": "Right"}},
]


@pytest.fixture
def rubric(project, admin_user, codebook, annotators, reviewer):
    project.gold_rate = 0
    project.save()
    version = codebook_publish(project=project, text=codebook.text + "\n\nRate each response.", rubric=RUBRIC,
                               author=admin_user)
    for user in [*annotators, reviewer]:
        codebook_acknowledge(user=user, codebook=version)
    return version


def import_tasks(project, kind: str, n: int = 1):
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": f"{kind}-{i}", "prompt": f"How do plants make food? ({kind} {i})", "kind": kind,
         "candidates": [{"text": "Plants use sunlight, water and air to make sugar. " * (j + 1), "producer": f"m{j}"}
                        for j in range(2)]} for i in range(n)]))


def focused_row(page) -> tuple[str, str]:
    """(response number, aspect) of the rating row that has the focus ("", "" for none)."""
    return tuple(page.evaluate("""() => { const row = document.activeElement?.closest('.rating-row');
        return row ? [row.dataset.number, row.dataset.aspect] : ['', '']; }"""))


def submitted(page, assignment) -> Label:
    press_for_next(page, "Enter", assignment)
    return Label.objects.get(assignment=assignment)


def test_a_rate_task_rated_by_keyboard_only(page, project, rubric):
    import_tasks(project, "rate", 2)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    first, second = (str(position) for position in assignment.display_order)
    assert focused_row(page) == ("1", "helpfulness")  # the page starts at the first aspect
    ends = page.locator(".rating-row").first.locator(".point-ends").inner_text()
    assert "Ignores the request" in ends and "Does all of it" in ends

    page.keyboard.press("4")  # a digit sets the point and moves on
    assert focused_row(page) == ("1", "correctness")
    assert "4: Answers it, small gaps" in page.locator(".rating-row").first.get_by_test_id("point-description").inner_text()
    page.keyboard.press("ArrowRight")  # from nothing: the lowest point
    page.keyboard.press("ArrowRight")  # one up: 2
    assert focused_row(page) == ("1", "correctness")
    page.keyboard.press("Enter")  # Response 2 not rated yet: nothing is sent, the page says how
    assert "Nothing was sent" in page.get_by_test_id("task-message").inner_text()
    assert not Label.objects.exists()
    assert focused_row(page) == ("2", "helpfulness")  # taken to the first unrated aspect
    page.keyboard.press("9")  # off the 1–5 scale: nothing set, and it picks nothing either
    assert focused_row(page) == ("2", "helpfulness")
    page.keyboard.press("2")
    page.keyboard.press("ArrowUp")  # back to the previous aspect, to change it
    assert focused_row(page) == ("2", "helpfulness")
    page.keyboard.press("ArrowRight")  # 3
    page.keyboard.press("Tab")  # the next aspect
    assert focused_row(page) == ("2", "correctness")
    page.keyboard.press("3")  # the last aspect: out of the rows
    assert focused_row(page) == ("", "")
    page.keyboard.press("?")
    help_text = page.locator("#shortcuts").inner_text()
    assert "Ratings: set the highlighted aspect's point" in help_text and "never pick or rank" in help_text
    page.keyboard.press("?")
    fits_at_each_width(page, "label-rate")
    label = submitted(page, assignment)
    assert label.kind == "rate" and label.codebook == rubric
    assert label.answer == {"ratings": {first: {"helpfulness": 4, "correctness": 2},
                                        second: {"helpfulness": 3, "correctness": 3}}}
    # the next rate task starts at its first aspect again
    assert focused_row(page) == ("1", "helpfulness")


def test_a_pair_with_rubric_aspects_rated_then_picked_by_keyboard(page, project, rubric):
    import_tasks(project, "pair", 1)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    left, right = (str(position) for position in assignment.display_order)
    assert page.locator(".rating-row").count() == 2  # helpfulness only: correctness is not on pairs
    assert focused_row(page) == ("1", "helpfulness")
    page.keyboard.press("5")  # inside a rating row a digit rates: it does not pick Response 5... or 1
    assert focused_row(page) == ("2", "helpfulness")
    assert not page.locator("input[name=choice]:checked").count()
    page.keyboard.press("1")  # Response 2's helpfulness; the last aspect: out of the rows
    assert focused_row(page) == ("", "")
    page.keyboard.press("2")  # now 2 picks the right-hand response, as always
    page.keyboard.press("1")  # ...and 1 the left one
    page.keyboard.press("ArrowUp")  # slightly better
    assert page.is_checked(f"input[name=choice][value={'AB'[int(left)]}]")
    page.keyboard.press("a")  # back to the ratings, to change one
    assert focused_row(page) == ("1", "helpfulness")
    page.keyboard.press("ArrowLeft")  # 5 → 4
    page.keyboard.press("Escape")  # out of the rows again
    assert focused_row(page) == ("", "")
    fits_at_each_width(page, "label-pair-rubric")
    label = submitted(page, assignment)
    assert label.answer == {"choice": "AB"[int(left)], "strength": 1,
                            "ratings": {left: {"helpfulness": 4}, right: {"helpfulness": 1}}}


def test_a_rate_task_adjudicated_with_the_same_controls(page, project, rubric, annotators):
    import_tasks(project, "rate", 1)
    task = Task.objects.get(kind="rate")
    for user, point in zip(annotators, (1, 5, 3)):
        make_label(task, user, rubric, {"ratings": {"0": {"helpfulness": point, "correctness": 1},
                                                    "1": {"helpfulness": 2, "correctness": 3}}})
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/disputed/")
    row = page.get_by_test_id("disputed-task").filter(has_text=f"#{task.pk}")
    assert "Response 1 helpfulness: 1 ×1 · 3 ×1 · 5 ×1" in row.inner_text()
    row.get_by_role("link", name="Adjudicate").click()
    page.wait_for_url(f"**/quality/tasks/{task.pk}/adjudicate/**")
    assert "helpfulness 5/5, correctness 1/3" in page.get_by_test_id("task-labels").inner_text()
    assert focused_row(page) == ("1", "helpfulness")  # responses in the task's own order
    for key in ("4", "2", "ArrowDown"):  # 4, correctness 2, then skip on to Response 2's helpfulness
        page.keyboard.press(key)
    assert focused_row(page) == ("2", "correctness")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("1")
    page.keyboard.press("3")
    fits_at_each_width(page, "adjudicate-rate")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/adjudicate/" not in url and url.endswith("/quality/disputed/"))
    assert "Final answer recorded" in page.content()
    assert Adjudication.objects.get(task=task).answer == {
        "ratings": {"0": {"helpfulness": 4, "correctness": 2}, "1": {"helpfulness": 1, "correctness": 3}}}




def test_an_admin_publishes_a_rubric_and_everyone_reads_it(page, project, admin_user, codebook):
    log_in(page, "ada", "ada-pw")
    page.goto(f"/p/{project.slug}/codebook/edit/")
    page.get_by_test_id("rubric-input").fill('[{"name": "helpfulness", "question": "Helps?", "scale": {"min": 1}}]')
    page.get_by_role("button", name="Publish").click()
    assert "2 to 11 points" in page.locator("form.card").inner_text()  # refused, said why, nothing saved
    assert project.codebooks.count() == 1
    page.locator("summary", has_text="How a rubric is written").click()
    fits_at_each_width(page, "codebook-edit-rubric")
    page.get_by_test_id("rubric-input").fill(json.dumps(RUBRIC))
    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector("[data-testid=rubric]")
    assert project.codebooks.get(is_active=True).rubric[1]["name"] == "correctness"
    rubric_text = page.get_by_test_id("rubric").inner_text()
    assert "How well does it do what was asked?" in rubric_text and "Answers it, small gaps" in rubric_text
    fits_at_each_width(page, "codebook-rubric")


def test_a_rate_label_shown_and_edited_in_its_own_numbers(page, project, rubric, annotators):
    import_tasks(project, "rate", 1)
    task = Task.objects.get(kind="rate")
    alice = annotators[0]
    label = make_label(task, alice, rubric, {"ratings": {"0": {"helpfulness": 2, "correctness": 1},
                                                         "1": {"helpfulness": 5, "correctness": 3}}})
    Label.objects.filter(pk=label.pk).update(display_order=[1, 0])  # she saw position 1 first
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/labels/")
    assert page.get_by_test_id("seen-summary").inner_text() == (
        "Response 1: helpfulness 5/5, correctness 3/3 · Response 2: helpfulness 2/5, correctness 1/3")
    fits_at_each_width(page, "labels-rate")
    page.goto(f"/p/{project.slug}/labels/{label.pk}/")
    assert page.get_by_test_id("seen-ratings").all_inner_texts() == [
        "helpfulness 5/5, correctness 3/3", "helpfulness 2/5, correctness 1/3"]
    fits_at_each_width(page, "label-detail-rate")
    page.click("[data-testid=edit-label]")
    page.wait_for_selector("[data-testid=edit-form]")
    first = page.locator(".rate-card").first  # her Response 1: position 1
    assert first.locator("input[name=rate_1_helpfulness]:checked").get_attribute("value") == "5"
    helpfulness = first.locator(".rating-row", has_text="Helpfulness")
    helpfulness.locator("label.point", has_text="4").click()
    assert helpfulness.get_by_test_id("point-description").inner_text() == "4: Answers it, small gaps"
    fits_at_each_width(page, "label-edit-rate")
    page.click("[data-testid=save-edit]")
    page.wait_for_url(f"**/labels/{label.pk}/")
    label.refresh_from_db()
    assert label.answer == {"ratings": {"0": {"helpfulness": 2, "correctness": 1}, "1": {"helpfulness": 4, "correctness": 3}}}


RANK_RUBRIC = [{"name": "clarity", "question": "Is it clear?", "scale": {"min": 1, "max": 3},
                "points": {"1": "Muddled", "3": "Clear"}, "kinds": ["rank"]}]


def test_a_rank_with_rubric_aspects_rated_then_ranked_by_keyboard(page, project, admin_user, codebook, annotators):
    project.gold_rate = 0
    project.save()
    version = codebook_publish(project=project, text=codebook.text, rubric=RANK_RUBRIC, author=admin_user)
    codebook_acknowledge(user=annotators[0], codebook=version)
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": "rank-rated", "prompt": "Explain photosynthesis.", "kind": "rank",
         "candidates": [{"text": f"Answer {j}: " + "sunlight, water and air. " * (j + 1), "producer": f"m{j}"}
                        for j in range(3)]}]))
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    shown_positions = [str(position) for position in assignment.display_order]
    assert page.locator(".rating-row").count() == 3 and focused_row(page) == ("1", "clarity")
    page.keyboard.press("3")  # Response 1's clarity; inside the rows a digit rates, it does not rank
    assert focused_row(page) == ("2", "clarity")
    page.keyboard.press("1")
    page.keyboard.press("2")  # the last row: out of the rows
    assert focused_row(page) == ("", "")
    page.keyboard.press("Enter")  # rated but not ranked yet: nothing is sent
    assert "Nothing was sent" in page.get_by_test_id("task-message").inner_text()
    assert not Label.objects.exists()
    for key in "312":  # now digits rank, best first: Response 3, then 1, then 2
        page.keyboard.press(key)
    fits_at_each_width(page, "label-rank-rubric")
    label = submitted(page, assignment)
    first, second, third = shown_positions
    assert label.answer == {"order": [int(third), int(first), int(second)],
                            "ratings": {first: {"clarity": 3}, second: {"clarity": 1}, third: {"clarity": 2}}}
