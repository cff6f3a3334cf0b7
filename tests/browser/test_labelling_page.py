"""An annotator labels each kind of task with the keyboard only, pressing every shortcut
the page advertises, and the database holds what they meant (or nothing: a skip, Enter
on an unfinished answer)."""
import re

import pytest

from feedback.labelling.models import Assignment, AssignmentStatus, Label
from feedback.labelling.services.imports import import_jsonl
from tests.support.browser import log_in, screenshot
from tests.support.rows import jsonl_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def import_tasks(project, kind: str, n: int, candidates: int):
    rows = [{"external_id": f"{kind}-{i}", "prompt": f"{kind.title()} question {i}: how do plants make food?", "kind": kind,
             "candidates": [{"text": f"Answer {j + 1} to {kind} {i}: " + "Plants use sunlight, water and air. " * (j + 1),
                             "producer": f"model-{j}"} for j in range(candidates)]}
            for i in range(n)]
    import_jsonl(project=project, lines=jsonl_lines(rows))


@pytest.fixture
def alice(project, annotators):
    project.gold_rate = 0
    project.save()
    return annotators[0]


def shown(page) -> Assignment:
    """The assignment the page shows (from the form's action), fresh from the database."""
    page.wait_for_selector("#label-form")
    action = page.get_attribute("#label-form", "action")
    return Assignment.objects.get(pk=int(re.search(r"/label/(\d+)/submit/", action).group(1)))


def press_for_next(page, key: str, assignment: Assignment) -> None:
    """Press `key` and wait until the page has moved past `assignment` and htmx has
    settled the new task in (before that its buttons are plain, not yet htmx's)."""
    page.keyboard.press(key)
    page.wait_for_function(
        "id => !document.querySelector(`#label-form[action*='/label/${id}/submit/']`)", arg=assignment.pk)
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def label_of(assignment: Assignment) -> Label:
    return Label.objects.get(assignment=assignment)


def says_nothing_was_sent(page, assignment: Assignment, *words: str) -> None:
    message = page.locator("[data-testid=task-message]")
    message.wait_for(state="visible")
    assert "Nothing was sent" in message.inner_text() and all(word in message.inner_text() for word in words)
    assert not Label.objects.filter(assignment=assignment).exists()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.LEASED


def assert_skipped(assignment: Assignment) -> None:
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SKIPPED and not Label.objects.filter(assignment=assignment).exists()


def toggles_the_codebook(page) -> None:
    assert page.is_visible("#codebook-panel")
    page.keyboard.press("c")
    assert not page.is_visible("#codebook-panel")
    page.keyboard.press("c")
    assert page.is_visible("#codebook-panel")


def test_every_pair_shortcut(page, project, alice):
    import_tasks(project, "pair", 5, 2)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")

    first = shown(page)
    letters = ["AB"[position] for position in first.display_order]  # the stored letter of each side shown
    page.keyboard.press("Enter")  # nothing chosen yet
    says_nothing_was_sent(page, first, "1", "0", "b")
    page.keyboard.press("2")
    page.keyboard.press("ArrowLeft")  # changes it to the left one
    assert page.is_checked(f"input[name=choice][value={letters[0]}]")
    for key in ("ArrowUp", "ArrowUp", "ArrowUp", "ArrowDown"):  # much, then one less: clearly
        page.keyboard.press(key)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("r")
    page.keyboard.type("Say what chlorophyll does.")  # the rewrite box took the focus
    page.keyboard.press("Escape")
    toggles_the_codebook(page)
    screenshot(page, "label-pair-1280")
    press_for_next(page, "Enter", first)
    label = label_of(first)
    assert label.answer == {"choice": letters[1], "strength": 2}
    assert label.rewrite == "Say what chlorophyll does." and label.display_order == first.display_order
    assert page.inner_text("[data-testid=done-count]") == "1" and page.inner_text("[data-testid=remaining-count]") == "3"

    for key, choice in (("1", "first shown"), ("0", "tie"), ("b", "both_bad")):
        assignment = shown(page)
        page.keyboard.press(key)
        press_for_next(page, "Enter", assignment)
        expected = "AB"[assignment.display_order[0]] if choice == "first shown" else choice
        assert label_of(assignment).answer == {"choice": expected, "strength": None}

    last = shown(page)
    page.keyboard.press("2")  # chosen, then skipped: the choice is not sent
    press_for_next(page, "s", last)
    assert_skipped(last)
    page.wait_for_selector("[data-testid=no-task]")
    assert page.inner_text("[data-testid=remaining-count]") == "0"
    assert Label.objects.filter(annotator=alice).count() == 4


def test_every_thumbs_shortcut(page, project, alice):
    import_tasks(project, "thumbs", 2, 3)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")

    first = shown(page)
    page.keyboard.press("Enter")
    says_nothing_was_sent(page, first, "u", "d")
    page.keyboard.press("2")  # highlight the second response
    page.keyboard.press("u")  # up, and the highlight moves to the next without a thumb (the third)
    page.keyboard.press("u")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("d")  # the first: down
    page.keyboard.press("ArrowDown")
    page.keyboard.press("d")  # the second, changed to down
    page.keyboard.press("r")
    page.keyboard.type("All three miss photosynthesis.")
    page.keyboard.press("Escape")
    toggles_the_codebook(page)
    screenshot(page, "label-thumbs-1280")
    press_for_next(page, "Enter", first)
    s = first.display_order
    label = label_of(first)
    assert label.answer == {"thumbs": {str(s[0]): "down", str(s[1]): "down", str(s[2]): "up"}}
    assert label.rewrite == "All three miss photosynthesis."

    second = shown(page)
    page.keyboard.press("3")
    page.keyboard.press("u")
    press_for_next(page, "s", second)
    assert_skipped(second)
    page.wait_for_selector("[data-testid=no-task]")


def test_every_rank_shortcut(page, project, alice):
    import_tasks(project, "rank", 5, 3)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")

    # Untouched: Enter stores nothing and says how to rank or keep the order; k keeps it.
    untouched = shown(page)
    assert page.locator("#rank-list select").evaluate_all("all => all.map(s => s.value)") == ["", "", ""]
    page.keyboard.press("Enter")
    says_nothing_was_sent(page, untouched, "press k")
    screenshot(page, "label-rank-untouched-1280")
    page.keyboard.press("k")
    toggles_the_codebook(page)
    press_for_next(page, "Enter", untouched)
    assert label_of(untouched).answer == {"order": untouched.display_order}

    # Typed best-first, Backspace starting over in between.
    typed = shown(page)
    for key in ("3", "1", "Backspace"):
        page.keyboard.press(key)
    page.keyboard.press("Enter")  # started over: nothing ranked again
    says_nothing_was_sent(page, typed, "press k")
    for key in ("2", "3", "1"):
        page.keyboard.press(key)
    page.keyboard.press("r")
    page.keyboard.type("The second answer, shorter.")
    page.keyboard.press("Escape")
    screenshot(page, "label-rank-1280")
    press_for_next(page, "Enter", typed)
    s = typed.display_order
    assert label_of(typed).answer == {"order": [s[1], s[2], s[0]]}
    assert label_of(typed).rewrite == "The second answer, shorter."

    # ↓ ↓ ↑ move the highlighted (first) response: to the bottom, then back up one.
    moved = shown(page)
    for key in ("ArrowDown", "ArrowDown", "ArrowUp"):
        page.keyboard.press(key)
    press_for_next(page, "Enter", moved)
    s = moved.display_order
    assert label_of(moved).answer == {"order": [s[1], s[0], s[2]]}

    # Dragged: the third response onto the top half of the first.
    dragged = shown(page)
    page.drag_and_drop("#rank-list .rank-item[data-number='3']", "#rank-list .rank-item[data-number='1']",
                       target_position={"x": 40, "y": 4})
    press_for_next(page, "Enter", dragged)
    s = dragged.display_order
    assert label_of(dragged).answer == {"order": [s[2], s[0], s[1]]}

    skipped = shown(page)
    page.keyboard.press("k")  # kept, then skipped: nothing is sent
    press_for_next(page, "s", skipped)
    assert_skipped(skipped)
    page.wait_for_selector("[data-testid=no-task]")
    assert Label.objects.filter(annotator=alice).count() == 4


def test_s_skips_and_enter_submits_without_htmx(page, project, alice):
    """label.js on its own (htmx did not load): the same keys, as plain form posts."""
    import_tasks(project, "rank", 2, 3)
    page.route(re.compile(r".*/htmx[^/]*\.js$"), lambda route: route.abort())
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assert page.evaluate("typeof window.htmx") == "undefined"
    first = shown(page)
    page.keyboard.press("Enter")
    says_nothing_was_sent(page, first, "press k")
    with page.expect_navigation():
        page.keyboard.press("s")
    assert_skipped(first)
    second = shown(page)
    page.keyboard.press("k")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert label_of(second).answer == {"order": second.display_order}


def test_ranking_without_javascript(browser, live_server, project, alice):
    import_tasks(project, "rank", 1, 3)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, "alice", "alice-pw")
        page.goto(f"/p/{project.slug}/label/")
        assignment = shown(page)
        page.click("[data-testid=submit]")  # blank selects: the browser sends nothing
        page.wait_for_timeout(300)
        assert shown(page).pk == assignment.pk and not Label.objects.exists()
        for number, position in enumerate(assignment.display_order, 1):  # the order shown, chosen by hand
            page.select_option(f"select[name=rank_{position}]", str(number))
        with page.expect_navigation():
            page.click("[data-testid=submit]")
        assert label_of(assignment).answer == {"order": assignment.display_order}
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_a_laptop_and_a_phone(browser, live_server, project, alice, reviewer, width):
    """Each kind's task, "Your labels" and a label's page, without sideways scrolling
    (screenshots with SCREENSHOT_DIR, to look at)."""
    from tests.support.labels import make_label

    import_tasks(project, "pair", 1, 2)
    import_tasks(project, "thumbs", 1, 3)
    import_tasks(project, "rank", 1, 3)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()

    def fits(name: str) -> None:
        screenshot(page, f"{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name

    try:
        log_in(page, "alice", "alice-pw")
        page.goto(f"/p/{project.slug}/label/")
        for kind, answer_keys in (("pair", ["2", "ArrowUp"]), ("thumbs", ["u", "d", "u"]), ("rank", ["3", "1"])):
            assignment = shown(page)
            assert page.get_attribute("#label-form", "data-kind") == kind
            for key in answer_keys:
                page.keyboard.press(key)
            fits(f"label-{kind}")
            press_for_next(page, "Enter", assignment)
        page.wait_for_selector("[data-testid=no-task]")
        fits("label-done")
        codebook = Label.objects.filter(annotator=alice).first().codebook
        for task in project.tasks.all():  # a second annotator's labels, for the reviewer's list
            make_label(task, reviewer, codebook, {"pair": {"choice": "B", "strength": None},
                                                  "thumbs": {"thumbs": {"0": "up", "1": "up", "2": "down"}},
                                                  "rank": {"order": [2, 1, 0]}}[task.kind])
        page.goto(f"/p/{project.slug}/labels/")
        rows = page.locator("[data-testid=label-row]")
        assert rows.count() == 3 and "Response 2, slightly better" in page.inner_text("main")
        fits("your-labels")
        rank_label = Label.objects.get(annotator=alice, kind="rank")
        page.goto(f"/p/{project.slug}/labels/{rank_label.pk}/")
        assert page.inner_text("[data-testid=seen-summary]") == "Response 3 > Response 1 > Response 2"
        fits("label-detail")
        context.clear_cookies()
        log_in(page, "rita", "rita-pw")
        page.goto(f"/p/{project.slug}/labels/")
        assert page.locator("[data-testid=canonical]").count() == 6
        fits("all-labels-reviewer")
        page.goto(f"/p/{project.slug}/labels/{rank_label.pk}/")
        fits("label-detail-reviewer")
    finally:
        context.close()


def test_on_a_phone_each_next_prompt_is_in_view_and_the_console_stays_clean(page, project, alice):
    """Labelling on a phone scrolls down to the Submit button; the next task is swapped in
    with its prompt at the top of the screen. Nothing is logged as an error meanwhile."""
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": f"long-{i}", "prompt": f"Question {i}: how do plants make food?", "kind": "pair",
         "candidates": [{"text": f"Answer {j} to {i}. " + "Plants use sunlight, water and air to make sugar. " * 12,
                         "producer": f"model-{j}"} for j in (1, 2)]} for i in range(4)]))
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    # A tap on Submit, Enter, the Skip button and s: each swaps in the next task.
    for choice, send in (("1", "tap"), ("2", "Enter"), ("0", "skip"), ("", "s")):
        assignment = shown(page)
        if choice:
            page.keyboard.press(choice)
        if send == "tap":
            page.get_by_test_id("submit").click()  # after scrolling down to it
        elif send == "skip":
            page.get_by_role("button", name="Skip").click()
        else:
            page.locator(".task-actions").scroll_into_view_if_needed()
            page.keyboard.press(send)
        page.wait_for_function(
            "id => !document.querySelector(`#label-form[action*='/label/${id}/submit/']`)", arg=assignment.pk)
        assert Label.objects.filter(assignment=assignment).exists() == (send in ("tap", "Enter"))
        if send == "s":
            break  # the last task: nothing comes next
        shown(page)
        prompt = page.locator("#label-form .prompt")
        page.wait_for_function("() => { const box = document.querySelector('#label-form .prompt').getBoundingClientRect();"
                               " return box.top >= 0 && box.bottom <= innerHeight / 2; }")
        assert page.evaluate("scrollY") > 0  # it was scrolled down to the button: this is the swap's doing
        assert prompt.is_visible()
        screenshot(page, f"label-next-in-view-{send}-390")
    assert not errors, errors


def test_the_shortcuts_badge_and_the_question_mark_open_the_shortcuts(page, project, alice):
    import_tasks(project, "pair", 1, 2)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    help_dialog = page.get_by_role("dialog")
    page.get_by_role("button", name="Shortcuts").click()
    assert help_dialog.get_by_role("heading", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not help_dialog.is_visible()
    page.keyboard.press("?")
    assert help_dialog.get_by_role("heading", name="Keyboard shortcuts").is_visible()
    assert page.is_visible("#codebook-panel")  # the codebook stays as it was
    page.keyboard.press("?")
    assert not help_dialog.is_visible()


def test_enter_on_a_header_link_follows_it(page, project, alice):
    """The page's keys are for the task, not for the top bar: Enter on a focused header
    link opens that page, and sends nothing."""
    import_tasks(project, "pair", 1, 2)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    assignment = shown(page)
    page.keyboard.press("1")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Labels").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/p/{project.slug}/labels/")
    assert not Label.objects.filter(assignment=assignment).exists()
