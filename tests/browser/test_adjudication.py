"""A reviewer adjudicates with the labelling page's controls (responses numbered from 1,
the advertised keys, drag to rank), works through the disputed queue with its sort and
filters, and an admin's gold answer set from the Gold page comes back to the Gold page;
each time the database holds the final answer in canonical positions."""
import re

import pytest

from feedback.labelling.models import Label, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.models import Adjudication
from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def disputed(project, annotators, codebook):
    """A pair task split 1 to 1 (bob saw its responses swapped), a rank task split on its
    first place 2 to 1, and a thumbs task split 2 to 1 on its second response."""
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": "pair", "prompt": "Which answer is right?", "kind": "pair",
         "candidates": [{"text": "Paris is the capital.", "producer": "m"}, {"text": "Lyon is the capital.", "producer": "m"}]},
        {"external_id": "rank", "prompt": "Rank these answers.", "kind": "rank",
         "candidates": [{"text": f"Ranked answer {name}.", "producer": "m"} for name in ("one", "two", "three")]},
        {"external_id": "thumbs", "prompt": "Are these answers good?", "kind": "thumbs",
         "candidates": [{"text": f"Rated answer {name}.", "producer": "m"} for name in ("one", "two")]},
    ]))
    tasks = {task.prompt.external_id: task for task in Task.objects.filter(project=project).select_related("prompt")}
    alice, bob, carol = annotators
    make_label(tasks["pair"], alice, codebook, {"choice": "A", "strength": None})
    swapped = make_label(tasks["pair"], bob, codebook, {"choice": "A", "strength": 2})
    Label.objects.filter(pk=swapped.pk).update(display_order=[1, 0])
    make_label(tasks["pair"], carol, codebook, {"choice": "B", "strength": None})
    for user, order in zip(annotators, [[0, 1, 2], [0, 2, 1], [2, 1, 0]]):
        make_label(tasks["rank"], user, codebook, {"order": order})
    for user, second in zip(annotators, ["up", "down", "down"]):
        make_label(tasks["thumbs"], user, codebook, {"thumbs": {"0": "up", "1": second}})
    return tasks


def queue_rows(page) -> list[str]:
    return [row.locator("td").first.inner_text().split()[0] for row in page.get_by_test_id("disputed-task").all()]


def test_a_pair_adjudicated_with_the_keys_returns_to_the_sorted_filtered_queue(page, project, disputed, reviewer):
    pair, rank, thumbs = disputed["pair"], disputed["rank"], disputed["thumbs"]
    log_in(page, "rita", "rita-pw")
    for name, viewport in (("1280", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(f"/p/{project.slug}/quality/disputed/")
        assert queue_rows(page) == [f"#{pair.pk}", f"#{rank.pk}", f"#{thumbs.pk}"]  # all 0.667: most labels, then number
        assert_fits_viewport(page)
        screenshot(page, f"adjudication-queue-{name}")

    # sort and filter with the page's controls
    page.set_viewport_size(LAPTOP)
    filters = page.get_by_test_id("queue-filters")
    filters.get_by_label("Kind").select_option("pair")
    filters.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"kind=pair"))
    assert queue_rows(page) == [f"#{pair.pk}"]
    filters.get_by_label("Kind").select_option("")
    filters.get_by_label("Majority share at most").fill("0.6")
    filters.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"max_share=0.6"))
    assert queue_rows(page) == [] and "among these filters" in page.get_by_test_id("disputed").inner_text()
    filters.get_by_label("Majority share at most").fill("1")
    filters.get_by_label("Order").select_option("newest")
    filters.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    assert queue_rows(page) == [f"#{thumbs.pk}", f"#{rank.pk}", f"#{pair.pk}"]  # labelled the same day: newest task first
    assert filters.get_by_label("Order").input_value() == "newest"
    sorted_queue = page.url

    # a bad value, typed into the address bar: a 400 that says what was wrong
    response = page.goto(f"/p/{project.slug}/quality/disputed/?sort=random")
    assert response.status == 400 and "sort: use split, agreed, labels, newest" in page.locator("#messages").inner_text()
    page.goto(sorted_queue)

    page.get_by_test_id("disputed-task").filter(has_text=f"#{pair.pk}").get_by_role("link", name="Adjudicate").click()
    page.wait_for_url(f"**/quality/tasks/{pair.pk}/adjudicate/**")
    # the answers as each annotator saw them, beside this page's numbers
    seen = {row.locator("td").first.inner_text().split()[0]: row.inner_text() for row in page.get_by_test_id("task-label").all()}
    assert "Response 1 is better" in seen["alice"] and "Response 1" in seen["alice"]
    assert "Response 2, clearly better" in seen["bob"] and "Response 1 (clearly better)" in seen["bob"]
    assert "in the order 2, 1" in seen["bob"]
    titles = page.locator(".candidates.pair .cand-title").all_inner_texts()
    assert titles == ["Response 1", "Response 2"]
    for name, viewport in (("1280", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        assert_fits_viewport(page)
        screenshot(page, f"adjudicate-pair-{name}")
    page.keyboard.press("Enter")  # nothing chosen: nothing sent, and the page says which keys
    assert "Nothing was sent" in page.get_by_test_id("task-message").inner_text()
    assert not Adjudication.objects.exists()
    page.keyboard.press("2")  # Response 2, the advertised key
    page.keyboard.press("ArrowUp")  # slightly better
    page.keyboard.press("ArrowUp")  # clearly better
    page.keyboard.press("Enter")
    page.wait_for_url(sorted_queue)
    assert "Final answer recorded" in page.content()
    assert Adjudication.objects.get(task=pair).answer == {"choice": "B", "strength": 2}
    assert f"#{pair.pk}" not in queue_rows(page)  # no longer waiting


def test_a_rank_adjudicated_by_dragging_in_response_numbers(page, project, disputed, reviewer):
    rank = disputed["rank"]
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/tasks/{rank.pk}/adjudicate/?next=/p/{project.slug}/quality/disputed/")
    items = page.locator("#rank-list .rank-item")
    assert items.locator(".cand-title").all_inner_texts() == ["Response 1", "Response 2", "Response 3"]
    assert items.locator("select").evaluate_all("all => all.map(s => s.value)") == ["", "", ""]  # nothing ranked yet
    # Response 3 dragged onto the top half of Response 1: 3, 1, 2
    page.drag_and_drop("#rank-list .rank-item[data-number='3']", "#rank-list .rank-item[data-number='1']",
                       target_position={"x": 40, "y": 4})
    assert items.locator(".cand-title").all_inner_texts() == ["Response 3", "Response 1", "Response 2"]
    assert page.locator("select[name=rank_2]").input_value() == "1"  # Response 3 ranked first, as shown
    for name, viewport in (("1280", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        assert_fits_viewport(page)
        screenshot(page, f"adjudicate-rank-{name}")
    page.get_by_role("button", name="Save final answer").click()
    page.wait_for_url(f"**/p/{project.slug}/quality/disputed/")
    assert Adjudication.objects.get(task=rank).answer == {"order": [2, 0, 1]}

    # opened again: the recorded ranking fills the list; typed best-first it changes
    page.goto(f"/p/{project.slug}/quality/tasks/{rank.pk}/adjudicate/")
    assert items.locator(".cand-title").all_inner_texts() == ["Response 3", "Response 1", "Response 2"]
    page.keyboard.press("Backspace")  # start over
    for key in ("2", "3", "1"):
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/p/{project.slug}/quality/")  # no way back asked: the dashboard
    assert Adjudication.objects.get(task=rank).answer == {"order": [1, 2, 0]}


def test_a_gold_answer_set_from_the_gold_page_returns_there(page, project, disputed, admin_user):
    thumbs = disputed["thumbs"]
    log_in(page, "ada", "ada-pw")
    page.goto(f"/p/{project.slug}/quality/gold/")
    page.get_by_label("Task number", exact=True).fill(str(thumbs.pk))
    page.get_by_role("button", name="Set its gold answer").click()
    page.wait_for_url(f"**/quality/tasks/{thumbs.pk}/adjudicate/**")
    assert page.get_by_test_id("back").inner_text() == "Gold"
    assert page.get_by_label("Also make this a gold item with this answer").is_checked()
    page.keyboard.press("u")  # Response 1 good, then on to Response 2
    page.keyboard.press("d")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/p/{project.slug}/quality/gold/")
    assert "now a gold item" in page.content()
    assert page.get_by_test_id("gold").get_by_role("link", name=f"#{thumbs.pk}").count() == 1
    thumbs.refresh_from_db()
    assert thumbs.is_gold and thumbs.gold_answer == {"thumbs": {"0": "up", "1": "down"}}
    assert Adjudication.objects.get(task=thumbs).answer == {"thumbs": {"0": "up", "1": "down"}}
