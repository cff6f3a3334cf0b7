"""A reviewer filters the quality dashboard in Chromium: by date (the picker's last day,
9999-12-31, works as an open end, and a date that does not exist, from an edited or old
link, shows a message rather than an error page) and by task kind."""
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


def test_reviewer_filters_the_dashboard_by_kind(page, project, annotators, codebook, tasks_of, make_user):
    pair, thumbs = tasks_of("pair", 1)[0], tasks_of("thumbs", 1)[0]
    for user, choice in zip(annotators, "AAB"):
        make_label(pair, user, codebook, {"choice": choice, "strength": None})
        make_label(thumbs, user, codebook, {"thumbs": {"0": "up", "1": "down"}})
    make_user("rita", project=project, role=Role.REVIEWER)
    log_in(page, "rita", "rita-pw")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/p/{project.slug}/quality/")
        assert labels_figure(page) == "6"
        page.get_by_label("Task kind", exact=True).select_option(label="Pick the better of two")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**kind=pair**")
        assert labels_figure(page) == "3"
        assert page.get_by_test_id("alpha-pair").is_visible() and page.get_by_test_id("alpha-thumbs").count() == 0
        assert page.get_by_test_id("top-disputed").locator("tbody tr").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"quality-dashboard-kind-{width}")
