"""A reviewer reads the Rubric section of the quality dashboard, and exports the ratings
dataset and the pairs derived from ratings from the Export page, in Chromium."""
import hashlib
import json

import pytest

from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.rated_labels import TEXTS, rated  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_shows_the_rubric_section(page, project, rated, reviewer):  # noqa: F811
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/quality/")
    section = page.get_by_test_id("rubric")
    assert section.get_by_role("heading", name="Rubric").is_visible()
    assert section.get_by_test_id("aspect-correctness").is_visible()
    alpha = section.get_by_test_id("aspect-alpha-correctness").inner_text()
    assert alpha != "—" and -1 <= float(alpha) <= 1
    rows = section.get_by_test_id("rubric-annotator")
    assert rows.count() == 3
    assert section.get_by_test_id("offset-u3").inner_text().split()[0].startswith(("+", "-", "0"))
    assert "Offset from others: the mean of an annotator's points" in section.get_by_test_id("rubric-note").inner_text()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"quality-rubric-{width}")
        assert_fits_viewport(page)
    # A kind without rubric aspects leaves the section with nothing to show.
    page.goto(f"/p/{project.slug}/quality/?kind=thumbs")
    assert "No rubric ratings in this selection." in page.get_by_test_id("rubric").inner_text()


def test_the_export_page_downloads_ratings_and_rating_pairs(page, project, rated, reviewer):  # noqa: F811
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/export/")
    page.get_by_role("radio", name="ratings").check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("rows-total").wait_for()
    manifest = json.loads(page.get_by_test_id("manifest").inner_text())
    link = page.get_by_test_id("download").get_attribute("href")
    assert "dataset=ratings" in link and "source" not in link  # the pair options' defaults are sent blank
    assert manifest["dataset"] == "ratings" and int(page.get_by_test_id("rows-total").inner_text()) == 9
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, f"export-ratings-{width}")
        assert_fits_viewport(page)
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == f"{project.slug}-ratings.jsonl"
    data = open(download.value.path(), "rb").read()
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"] and len(rows) == 9
    best = next(r for r in rows if r["completion"][0]["content"] == TEXTS["rate-3"][0])
    assert (best["helpfulness"], best["helpfulness_count"]) == (4.6667, 3)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("radio", name="preference").check()
    page.get_by_label("Preference pairs from").select_option("ratings")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_function("document.querySelector('[data-testid=manifest]')?.textContent.includes('\"source\": \"ratings\"')")
    assert "1 below_min_margin" in page.get_by_test_id("excluded").inner_text()
    assert int(page.get_by_test_id("rows-total").inner_text()) == 4 and "source=ratings" in page.url
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    pairs = [json.loads(line) for line in open(download.value.path(), encoding="utf-8").read().splitlines()]
    assert len(pairs) == 4 and {p["source"] for p in pairs} == {"ratings"}
    assert all(p["score_margin"] >= 0.05 for p in pairs)
