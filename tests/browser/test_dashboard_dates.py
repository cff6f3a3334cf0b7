"""A reviewer filters the quality dashboard by date in Chromium: the picker's last day
(9999-12-31) works as an open end, and a date that does not exist (from an edited or
old link) shows a message rather than an error page."""
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.models import Role
from tests.support.browser import log_in, screenshot
from tests.support.labels import make_label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def labels_figure(page) -> str:
    return page.locator(".facts div", has_text="Labels").locator("dd").inner_text()


def test_reviewer_filters_the_dashboard_by_date(page, project, annotators, codebook, tasks_of, make_user):
    task = tasks_of("pair", 1)[0]
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None}, when=timezone.now() - timedelta(days=30))
    make_user("rita", project=project, role=Role.REVIEWER)
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/")
    assert labels_figure(page) == "2"

    page.fill("input[name=since]", (timezone.localdate() - timedelta(days=7)).isoformat())
    page.fill("input[name=until]", "9999-12-31")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**until=9999-12-31")
    assert labels_figure(page) == "1"

    page.goto(f"/p/{project.slug}/quality/?since=2020-02-30")
    message = page.locator(".message.error")
    assert "since: '2020-02-30' is not a real date" in message.inner_text()
    assert "Showing every label instead." in message.inner_text() and labels_figure(page) == "2"
    screenshot(page, "quality-dashboard-bad-date-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert message.is_visible()
    screenshot(page, "quality-dashboard-bad-date-390")
