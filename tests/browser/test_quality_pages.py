"""A reviewer opens the quality dashboard in Chromium, follows a disputed task to its
adjudication page and records the final answer."""
import re

import pytest

from feedback.labelling.models import Role, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.models import Adjudication
from tests.support.browser import log_in, screenshot
from tests.support.rows import jsonl_lines
from tests.support.labels import make_label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_adjudicates_a_disputed_task(page, project, annotators, codebook, make_user):
    import_jsonl(project=project, lines=jsonl_lines([{"external_id": "d", "prompt": "Which is right?", "kind": "pair",
                 "candidates": [{"text": "The first answer.", "producer": "m"}, {"text": "The second answer.", "producer": "m"}]}]))
    task = Task.objects.get(project=project)
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None})
    make_user("rita", project=project, role=Role.REVIEWER)

    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/")
    annotator_rows = page.locator("[data-testid=annotators] tbody tr")
    assert annotator_rows.count() == 2
    assert page.locator("svg[aria-label='Agreement by week']").count() == 1
    screenshot(page, "quality-dashboard")

    page.get_by_role("main").get_by_role("link", name="Adjudicate").click()
    page.wait_for_url(re.compile(rf"/quality/tasks/{task.pk}/adjudicate/\?next=/p/{project.slug}/quality/$"))
    screenshot(page, "quality-adjudicate")
    labels = page.locator("[data-testid=task-labels] tbody tr")
    assert labels.count() == 2 and "v1" in labels.first.inner_text()
    page.keyboard.press("2")  # the labelling page's key: Response 2
    page.fill("textarea[name=note]", "The second one is correct.")
    page.click("[data-testid=adjudicate]")
    page.wait_for_url(f"**/p/{project.slug}/quality/")
    assert "Final answer recorded" in page.content() and page.get_by_role("main").get_by_role("link", name="Adjudicated ✓").count() == 1
    screenshot(page, "quality-adjudicated")
    nav = page.get_by_role("navigation", name="Project")
    nav.get_by_text("Review").click()
    nav.get_by_role("link", name="Adjudicate").click()
    page.wait_for_url(f"**/p/{project.slug}/quality/disputed/")
    assert "Nothing waits for a final answer" in page.locator("[data-testid=disputed]").inner_text()
    page.get_by_role("link", name="All disputed").click()
    assert page.get_by_role("link", name="Revise").count() == 1
    screenshot(page, "quality-queue")
    nav.get_by_text("Review").click()
    nav.get_by_role("link", name="Gold").click()
    page.wait_for_url(f"**/p/{project.slug}/quality/gold/")
    assert "No gold items yet" in page.locator("[data-testid=gold]").inner_text()
    screenshot(page, "quality-gold")
    adjudication = Adjudication.objects.get(task=task)
    assert adjudication.answer == {"choice": "B", "strength": None} and adjudication.reviewer.username == "rita"


PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def fits(page, selector: str) -> bool:
    """Whether every element matching `selector` lies within the viewport's width."""
    return page.evaluate("""s => [...document.querySelectorAll(s)].every(e => {
        const box = e.getBoundingClientRect(); return box.left >= 0 && box.right <= innerWidth + 0.5; })""", selector)


def test_a_reviewer_reads_each_kinds_agreement_and_the_disputes(page, project, annotators, codebook, make_user):
    """Real labels of each kind; the page shows each kind's alpha as the krippendorff
    package computes it on that kind's units, says what it measures, and names the
    disputed answers by response number, on a laptop and on a phone."""
    from tests.support.agreement import package_alpha

    import_jsonl(project=project, lines=jsonl_lines(
        [{"external_id": f"p{i}", "prompt": f"Pair question {i}?", "kind": "pair",
          "candidates": [{"text": f"First answer to pair {i}.", "producer": "m"},
                         {"text": f"Second answer to pair {i}.", "producer": "m"}]} for i in range(3)]
        + [{"external_id": f"r{i}", "prompt": f"Rank question {i}?", "kind": "rank",
            "candidates": [{"text": f"Ranked answer {j} of {i}.", "producer": "m"} for j in "xyz"]} for i in range(2)]
        + [{"external_id": f"t{i}", "prompt": f"Thumbs question {i}?", "kind": "thumbs",
            "candidates": [{"text": f"Rated answer {j} of {i}.", "producer": "m"} for j in "xy"]} for i in range(2)]))
    by_id = {task.prompt.external_id: task for task in Task.objects.filter(project=project).select_related("prompt")}
    alice, bob, carol = annotators
    given = {  # external id → [(annotator, answer, display order)]
        "p0": [(alice, {"choice": "B"}, [1, 0]), (bob, {"choice": "B"}, [0, 1]), (carol, {"choice": "A"}, [0, 1])],
        "p1": [(alice, {"choice": "A"}, [0, 1]), (bob, {"choice": "A"}, [1, 0]), (carol, {"choice": "A"}, [0, 1])],
        "p2": [(alice, {"choice": "tie"}, [0, 1]), (bob, {"choice": "B"}, [1, 0])],
        "r0": [(alice, {"order": [2, 0, 1]}, [0, 1, 2]), (bob, {"order": [2, 1, 0]}, [1, 2, 0]),
               (carol, {"order": [0, 2, 1]}, [2, 0, 1])],
        "r1": [(alice, {"order": [1, 0, 2]}, [0, 1, 2]), (bob, {"order": [1, 0, 2]}, [2, 1, 0])],
        "t0": [(alice, {"thumbs": {"0": "up", "1": "down"}}, [0, 1]), (bob, {"thumbs": {"0": "up", "1": "up"}}, [1, 0]),
               (carol, {"thumbs": {"0": "up", "1": "down"}}, [0, 1])],
        "t1": [(alice, {"thumbs": {"0": "down", "1": "down"}}, [0, 1]), (bob, {"thumbs": {"0": "down", "1": "down"}}, [0, 1])],
    }
    for external_id, labels in given.items():
        for user, answer, shown in labels:
            label = make_label(by_id[external_id], user, codebook, {"strength": None, **answer} if "choice" in answer else answer)
            label.display_order = shown
            label.save(update_fields=["display_order"])
    make_user("rita", project=project, role=Role.REVIEWER)
    expected = {}
    for kind in ("pair", "rank", "thumbs"):
        mine = [(user.pk, by_id[e].pk, answer) for e, labels in given.items() if by_id[e].kind == kind
                for user, answer, _ in labels]
        expected[kind] = package_alpha(kind, mine, {by_id[e].pk: by_id[e].candidate_count for e in given})

    log_in(page, "rita", "rita-pw")
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(f"/p/{project.slug}/quality/")
        for kind, alpha in expected.items():
            assert float(page.get_by_test_id(f"alpha-{kind}").inner_text()) == pytest.approx(alpha, abs=5e-4)
        pair, rank, thumbs = (page.get_by_test_id(f"agreement-{kind}").inner_text() for kind in ("pair", "rank", "thumbs"))
        assert "Krippendorff's α, nominal" in pair and "The choice per task" in pair and "3 tasks labelled twice" in pair
        assert "Krippendorff's α, ordinal" in rank and "place in the ranking" in rank and "6 responses labelled twice" in rank
        assert "Krippendorff's α, nominal" in thumbs and "thumb, up or down" in thumbs and "from 5 labels" in thumbs
        assert "no α pools the kinds" in page.get_by_test_id("agreement-note").inner_text()
        assert page.get_by_test_id("top-disputed").locator("tbody tr").count() == 4  # p0, p2, r0, t0
        assert fits(page, "[data-testid=agreement], [data-testid=top-disputed], form[aria-label=Filters]")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scrolling
        screenshot(page, f"quality-agreement-{name}")

        page.goto(f"/p/{project.slug}/quality/disputed/")
        rows = {row.locator("td").first.inner_text().split()[0]: row.inner_text()
                for row in page.get_by_test_id("disputed-task").all()}
        assert list(rows) == [f"#{by_id[e].pk}" for e in ("p2", "p0", "r0", "t0")]  # smallest majority first, then by number
        p0, p2, r0, t0 = (rows[f"#{by_id[e].pk}"] for e in ("p0", "p2", "r0", "t0"))
        assert "Response 2 ×2 (seen first by 1)" in p0 and "Response 1 ×1 (seen first by 1)" in p0
        assert "Response 1 First answer to pair 0." in p0 and "Response 2 Second answer to pair 0." in p0
        assert "Tie ×1" in p2 and "Response 2 ×1 (seen first by 1)" in p2
        assert all(order in r0 for order in ("3 > 1 > 2 ×1", "3 > 2 > 1 ×1", "1 > 3 > 2 ×1", "best first"))
        assert "Response 3 Ranked answer z of 0." in r0
        assert "Response 1: 3 up · 0 down" in t0 and "Response 2: 1 up · 2 down" in t0
        assert "on a rank task the response ranked first" in page.get_by_test_id("disputed-note").inner_text()
        assert fits(page, "[data-testid=disputed], [data-testid=disputed-note]")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scrolling
        screenshot(page, f"quality-disputed-{name}")
