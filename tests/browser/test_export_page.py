"""A reviewer exports a dataset from the Export page in Chromium: picks the dataset,
format and a column, sees the counts and the manifest, downloads the file and finds
in it exactly the rows the page counted; a bad filter is a message on the page; an
admin saves the previewed export as a snapshot; the page works without JavaScript."""
import hashlib
import json

import pytest

from feedback.exports.models import Snapshot
from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.known_labels import known_labels  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def console_errors(page) -> list:
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def shown_manifest(page) -> dict:
    return json.loads(page.get_by_test_id("manifest").inner_text())


def test_reviewer_previews_and_downloads_an_export(page, project, known_labels, reviewer):  # noqa: F811
    errors = console_errors(page)
    log_in(page, "rita", "rita-pw")
    page.goto(f"/p/{project.slug}/codebook/")
    nav = page.get_by_role("navigation", name="Project")
    nav.get_by_text("Review").click()  # Export is in the Review menu
    nav.get_by_role("link", name="Export").click()
    page.wait_for_url(f"**/p/{project.slug}/export/")
    assert "press Preview" in page.locator("#export-preview").inner_text()

    page.get_by_role("radio", name="preference").check()
    page.get_by_label("Format").select_option("jsonl")
    page.get_by_role("checkbox", name="agreement").check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("rows-total").wait_for()
    assert "dataset=preference" in page.url  # htmx put the choices in the address
    total = int(page.get_by_test_id("rows-total").inner_text())
    manifest = shown_manifest(page)
    assert total == manifest["rows_total"] == 5 and manifest["columns"] == ["agreement"]
    assert int(page.get_by_test_id("rows-train").inner_text()) == manifest["rows"]["train"]
    assert page.evaluate("document.getElementById('export-preview').getBoundingClientRect().top") < 200  # in view
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")  # a full-page picture of a scrolled page repeats the sticky header
        screenshot(page, f"export-preview-{width}")
        assert_fits_viewport(page)

    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == f"{project.slug}-preference.jsonl"
    data = open(download.value.path(), "rb").read()
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert len(rows) == total
    assert all(set(row) == {"prompt", "chosen", "rejected", "agreement"} for row in rows)
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]

    # Another dataset swaps in its own counts.
    page.get_by_role("radio", name="unpaired").check()
    page.get_by_role("checkbox", name="agreement").uncheck()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_function("document.querySelector('[data-testid=manifest]')?.textContent.includes('\"unpaired\"')")
    assert int(page.get_by_test_id("rows-total").inner_text()) == 4
    assert errors == []


def test_a_bad_filter_is_a_message_on_the_page(page, project, known_labels, reviewer):  # noqa: F811
    log_in(page, "rita", "rita-pw")
    response = page.goto(f"/p/{project.slug}/export/?dataset=preference&min_agreement=2")
    assert response.status == 400
    alert = page.get_by_role("alert")
    assert "min_agreement: a number between 0 and 1" in alert.inner_text()
    assert page.get_by_test_id("download").count() == 0
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"export-bad-filter-{width}")
        assert_fits_viewport(page)
    # Mended in the form, it previews.
    page.get_by_label("Minimum agreement").fill("0.9")
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("rows-total").wait_for()
    assert page.get_by_role("alert").count() == 0
    assert shown_manifest(page)["filters"]["min_agreement"] == 0.9


def test_admin_saves_a_snapshot_without_javascript(browser, live_server, project, known_labels, admin_user):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, "ada", "ada-pw")
        page.goto(f"/p/{project.slug}/export/")
        page.get_by_label("Split", exact=True).select_option("train")
        page.get_by_role("button", name="Preview").click()
        page.get_by_test_id("rows-total").wait_for()
        total = int(page.get_by_test_id("rows-total").inner_text())
        assert "split=train" in page.url and total == shown_manifest(page)["rows"]["train"]
        page.get_by_role("button", name="Save as snapshot").click()
        page.get_by_text("Snapshot").first.wait_for()
        snapshot = Snapshot.objects.get()
        assert f"Snapshot {snapshot.pk} saved: {total} row{'s' if total != 1 else ''} of preference" in page.get_by_role("status").inner_text()
        assert snapshot.filters["split"] == "train" and sum(snapshot.row_counts.values()) == total
        assert snapshot.created_by == admin_user
        assert page.get_by_test_id("snapshots").locator("tbody tr").count() == 1
        screenshot(page, "export-snapshot-1280")
        assert_fits_viewport(page)
    finally:
        context.close()
