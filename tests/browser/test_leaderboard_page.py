"""A reviewer opens the leaderboard in Chromium: before any fit the page says the ratings
are queued, the refit job stores them, and after new labels it says how many came since."""
import pytest

from feedback.labelling.models import Role
from feedback.loop.models import LeaderboardFit
from tests.support.browser import log_in, screenshot
from tests.support.leaderboard import rank_again, seed_leaderboard_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_sees_when_the_ratings_were_computed(page, project, annotators, codebook, make_user, celery_eager):
    seed_leaderboard_project(project, annotators, codebook)
    make_user("rita", project=project, role=Role.REVIEWER)
    log_in(page, "rita", "rita-pw")

    page.goto(f"/p/{project.slug}/leaderboard/")
    status = page.get_by_test_id("leaderboard-fit")
    # The page read no fit and queued one; the eager worker ran it once the view had read.
    assert status.inner_text() == "Ratings not computed yet; queued."
    assert LeaderboardFit.objects.get(project=project).comparison_count == 5

    page.reload()
    assert "from 5 comparisons, intervals from 200 bootstrap refits." in status.inner_text()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 3 and "imported: other" in rows.first.inner_text()
    assert "1000" in rows.filter(has_text="base model").inner_text()
    for width, name in ((1280, "laptop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"leaderboard-{name}")

    rank_again(project, annotators[1], codebook)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert "from 5 comparisons" in status.inner_text() and "3 new comparisons since; refit queued." in status.inner_text()
    assert "6" in rows.filter(has_text="v1").locator("td").nth(4).inner_text()  # v1's comparisons, counted live
    for width, name in ((1280, "laptop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"leaderboard-stale-{name}")
    page.reload()
    assert "from 8 comparisons" in status.inner_text() and "since" not in status.inner_text()
