"""Prompts and responses show rendered: Markdown, highlighted code, raw HTML as text, a
toggle to the raw text; long answers scroll inside their cards, a pair's two together;
nothing widens a phone's page. On the labelling page, a label's page and adjudication."""
import pytest

from feedback.labelling.models import Label, Role, Task
from feedback.labelling.services.imports import import_jsonl
from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
CODE_ANSWER = (
    "Here is a version that *ignores case*:\n\n```python\n"
    "def is_palindrome(text: str) -> bool:\n"
    "    letters = [ch.lower() for ch in text if not ch.isspace()]  # a comment long enough to be wider than a phone\n"
    "    return letters == letters[::-1]\n"
    + "".join(f"\nassert is_palindrome('level {i} level'[::1]) or True" for i in range(40))
    + "\n```\n\n| input | result |\n|:--|--:|\n| level | True |\n\n"
    "Raw HTML stays text: <img src=x onerror=\"window.pwned = 1\"> <b>not bold</b>"
)
LIST_ANSWER = "Steps:\n\n" + "".join(f"{i}. step number {i}, with **bold** words\n" for i in range(1, 60))
PROMPT = "Write a **Python** palindrome check.\n\n- ignore case\n- ignore spaces"


@pytest.fixture
def pair_task(project):
    project.gold_rate = 0
    project.save()
    import_jsonl(project=project, lines=jsonl_lines([{
        "external_id": "code", "prompt": PROMPT, "kind": "pair",
        "candidates": [{"text": CODE_ANSWER, "producer": "model-a"}, {"text": LIST_ANSWER, "producer": "model-b"}]}]))
    return Task.objects.get(project=project)


def card(page, number: int):
    return page.locator(f".candidate[data-number='{number}']")


def code_card(page):
    """The card showing the code answer, wherever the shuffled order put it."""
    return page.locator(".candidate", has=page.locator(".codehilite"))


def renders_the_code_answer(page, scope) -> None:
    code = scope.locator(".rendered .codehilite pre")
    assert code.count() == 1
    assert code.locator("span.k", has_text="def").count() == 1 and code.locator("span.nf", has_text="is_palindrome").count() == 1
    assert scope.locator(".rendered em", has_text="ignores case").count() == 1
    assert scope.locator(".rendered table td[align=right]", has_text="True").count() == 1
    # The raw HTML is shown as the text it is, and ran nothing.
    assert '<img src=x onerror="window.pwned = 1">' in scope.locator(".rendered").inner_text()
    assert scope.locator(".rendered img, .rendered b").count() == 0
    assert page.evaluate("window.pwned") is None


def fits(page, name: str) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky header
        screenshot(page, f"{name}-{size['width']}")
        assert_fits_viewport(page)
    page.set_viewport_size(LAPTOP)


def test_an_annotator_reads_rendered_answers_and_labels_the_pair(page, project, annotators, pair_task):
    page.set_viewport_size(LAPTOP)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    page.wait_for_selector("#label-form")
    renders_the_code_answer(page, code_card(page))
    prompt = page.locator("section.prompt .rendered")
    assert prompt.locator("strong", has_text="Python").count() == 1 and prompt.locator("li").count() == 2
    assert card(page, 1).locator(".rendered ol li").count() + card(page, 2).locator(".rendered ol li").count() == 59

    # The raw toggle: the text exactly as written stands in for the rendered one, and
    # opening it picks no response.
    code = code_card(page)
    code.get_by_text("Raw text").click()
    raw = code.locator("[data-testid=raw-text]")
    assert raw.is_visible() and not code.locator("[data-testid=rendered-text]").is_visible()
    assert "```python\ndef is_palindrome(text: str) -> bool:" in raw.inner_text()
    assert '<img src=x onerror="window.pwned = 1">' in raw.inner_text()
    assert page.locator("input[name=choice]:checked").count() == 0
    screenshot(page, "rendering-raw-1280")
    code.get_by_text("Rendered").click()
    assert code.locator("[data-testid=rendered-text]").is_visible() and not raw.is_visible()

    # Long answers scroll inside their cards, and the two scroll together.
    boxes = page.locator(".rendered[data-scroll-together=pair]")
    assert boxes.count() == 2
    assert all(boxes.nth(i).evaluate("b => b.scrollHeight > b.clientHeight") for i in range(2))
    first, second = card(page, 1).locator(".rendered"), card(page, 2).locator(".rendered")
    first.hover()
    page.mouse.wheel(0, 400)
    page.wait_for_function("() => document.querySelectorAll('.rendered[data-scroll-together=pair]')[1].scrollTop > 0")
    share = [box.evaluate("b => b.scrollTop / (b.scrollHeight - b.clientHeight)") for box in (first, second)]
    assert share[0] > 0 and share[1] == pytest.approx(share[0], abs=0.02)
    second.hover()
    page.mouse.wheel(0, -10_000)  # and back from the other card
    page.wait_for_function("() => document.querySelectorAll('.rendered[data-scroll-together=pair]')[0].scrollTop === 0")

    # On a phone the wide code line scrolls inside its block, never the page.
    page.set_viewport_size(PHONE)
    wide = code_card(page).locator(".codehilite pre")
    assert wide.evaluate("pre => pre.scrollWidth > pre.clientWidth")
    fits(page, "rendering-label")

    # Rendering changes nothing in labelling: the keyboard picks and sends as before.
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=no-task]")
    label = Label.objects.get(annotator=annotators[0])
    assert label.answer["choice"] == "AB"[label.display_order[0]]


def test_a_label_and_its_adjudication_show_the_same_rendering(page, project, annotators, codebook, make_user, pair_task):
    make_label(pair_task, annotators[0], codebook, {"choice": "A", "strength": None})
    label = make_label(pair_task, annotators[1], codebook, {"choice": "B", "strength": None})
    Label.objects.filter(pk=label.pk).update(display_order=[1, 0])  # bob saw the code answer second
    make_user("rita", project=project, role=Role.REVIEWER)
    page.set_viewport_size(LAPTOP)
    log_in(page, "bob", "bob-pw")
    page.goto(f"/p/{project.slug}/labels/{label.pk}/")
    responses = page.locator("[data-testid=seen-response]")
    assert responses.count() == 2
    renders_the_code_answer(page, responses.nth(1))  # as bob saw it: the code answer second
    assert responses.nth(0).locator(".rendered ol li").count() == 59
    assert page.locator(".rendered[data-scroll-together=pair]").count() == 2
    responses.nth(1).get_by_text("Raw text").click()
    assert "```python" in responses.nth(1).locator("[data-testid=raw-text]").inner_text()
    fits(page, "rendering-label-detail")

    page.context.clear_cookies()
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/tasks/{pair_task.pk}/adjudicate/")
    renders_the_code_answer(page, page.locator("section.candidate", has_text="model-a"))
    assert page.locator("section.prompt .rendered li").count() == 2
    fits(page, "rendering-adjudicate")


def test_the_disputed_queue_opens_each_response_rendered(page, project, annotators, codebook, make_user, pair_task):
    make_label(pair_task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(pair_task, annotators[1], codebook, {"choice": "B", "strength": None})
    make_user("rita", project=project, role=Role.REVIEWER)
    page.set_viewport_size(LAPTOP)
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/disputed/")
    row = page.locator("[data-testid=disputed-task]")
    assert row.count() == 1 and not row.locator(".rendered").first.is_visible()
    first = row.locator(".response-more").first
    first.locator("summary").first.click()  # Response 1, the code answer: the task's own order
    renders_the_code_answer(page, first)
    assert first.locator(".rendered").is_visible()
    fits(page, "rendering-queue")


@pytest.mark.parametrize("kind,keys", [("thumbs", ["u", "d"]), ("rank", ["2", "1"])])
def test_code_in_a_thumbs_or_rank_card_scrolls_inside_it_on_a_phone(page, project, annotators, kind, keys):
    project.gold_rate = 0
    project.save()
    import_jsonl(project=project, lines=jsonl_lines([{
        "external_id": kind, "prompt": PROMPT, "kind": kind,
        "candidates": [{"text": CODE_ANSWER, "producer": "model-a"}, {"text": LIST_ANSWER, "producer": "model-b"}]}]))
    page.set_viewport_size(PHONE)
    log_in(page, "alice", "alice-pw")
    page.goto(f"/p/{project.slug}/label/")
    page.wait_for_selector("#label-form")
    renders_the_code_answer(page, code_card(page))
    assert code_card(page).locator(".codehilite pre").evaluate("pre => pre.scrollWidth > pre.clientWidth")
    assert page.locator("[data-scroll-together]").count() == 0  # only a pair's two cards scroll together
    fits(page, f"rendering-{kind}")
    for key in keys:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=no-task]")
    assert Label.objects.get(annotator=annotators[0]).kind == kind
