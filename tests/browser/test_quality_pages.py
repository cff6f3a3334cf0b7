"""A reviewer opens the quality dashboard in Chromium, follows a disputed task to its
adjudication page and records the final answer."""
import pytest

from feedback.labelling.models import Role, Task
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.models import Adjudication
from tests.browser.conftest import log_in, screenshot
from tests.conftest import jsonl_lines
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
    page.wait_for_url(f"**/quality/tasks/{task.pk}/adjudicate/?from=dashboard")
    labels = page.locator("[data-testid=task-labels] tbody tr")
    assert labels.count() == 2 and "v1" in labels.first.inner_text()
    page.select_option("select[name=choice]", "B")
    page.fill("textarea[name=note]", "The second one is correct.")
    page.click("[data-testid=adjudicate]")
    page.wait_for_url(f"**/p/{project.slug}/quality/")
    assert "Final answer recorded" in page.content() and page.get_by_role("main").get_by_role("link", name="Adjudicated ✓").count() == 1
    screenshot(page, "quality-adjudicated")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Adjudicate").click()
    page.wait_for_url(f"**/p/{project.slug}/quality/disputed/")
    assert "Nothing waits for a final answer" in page.locator("[data-testid=disputed]").inner_text()
    page.get_by_role("link", name="All disputed").click()
    assert page.get_by_role("link", name="Revise").count() == 1
    screenshot(page, "quality-queue")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Gold").click()
    page.wait_for_url(f"**/p/{project.slug}/quality/gold/")
    assert "No gold items yet" in page.locator("[data-testid=gold]").inner_text()
    screenshot(page, "quality-gold")
    adjudication = Adjudication.objects.get(task=task)
    assert adjudication.answer == {"choice": "B", "strength": None} and adjudication.reviewer.username == "rita"
