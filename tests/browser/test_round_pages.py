"""An admin watches a generation round start in Chromium (what it is doing before the
first generation is counted) and cancels it with the page's button."""
import pytest

from feedback.loop.models import GenerationRound, RunStatus
from feedback.loop.services.rounds import round_config
from tests.support.browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sees_a_starting_round_and_cancels_it(page, project, admin_user):
    generation = GenerationRound.objects.create(project=project, config=round_config(pairing="samples", prompts=8),
                                                status=RunStatus.RUNNING, phase="loading")
    log_in(page, "ada", "ada-pw")
    for width, name in ((1280, "laptop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/p/{project.slug}/rounds/{generation.pk}/")
        stage = page.get_by_test_id("round-stage")
        assert stage.inner_text() == "starting: loading the model"
        assert page.get_by_role("button", name="Cancel").is_visible()
        screenshot(page, f"round-starting-{name}")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"**/p/{project.slug}/rounds/{generation.pk}/")
    assert "stopping the generator" in page.locator("#messages").inner_text()
    assert page.get_by_test_id("round-stage").inner_text() == "starting: loading the model · stopping…"
    assert page.get_by_role("button", name="Cancel").count() == 0
    generation.refresh_from_db()
    assert generation.cancel_requested and generation.status == RunStatus.RUNNING  # the worker stops the generator
    for width, name in ((1280, "laptop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"round-cancelling-{name}")
