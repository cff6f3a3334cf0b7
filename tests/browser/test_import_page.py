"""An admin uploads prompt files on the Import page in Chromium: a bad file is rejected
with every problem by line and nothing stored; a file over the limit is refused before
it is sent; a good file is imported."""
import json

import pytest

from feedback.labelling.models import Prompt
from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.rows import jsonl_lines, sample_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sees_every_problem_of_a_bad_file_then_imports_a_good_one(page, project, admin_user, settings):
    bad = b"\n".join([
        b"\xef\xbb\xbf" + jsonl_lines(sample_rows(1))[0].encode(),  # a BOM, then a good line
        json.dumps({"external_id": "q-1", "prompt": "", "kind": "essay", "candidates": [{"text": "x"}]}).encode(),
        b'{"external_id": "q-2", "prompt": "Caf\xe9?"}',  # Latin-1, not UTF-8
        b'{"external_id": "q-3", "prompt": "Score?", "metadata": {"score": NaN}}',
        b'{"external_id": "q-4", "prompt": "Deep?", "metadata": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    ])
    log_in(page, "ada", "ada-pw")
    page.goto(f"/p/{project.slug}/import/")
    page.set_input_files("input[name=file]", files=[{"name": "bad.jsonl", "mimeType": "application/jsonl", "buffer": bad}])
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    lines = alert.locator("li").all_inner_texts()
    bad_byte = bad.index(b"\xe9")
    assert lines[:4] == [
        "Line 2: prompt is empty",
        "Line 2: kind 'essay' is not one of thumbs, pair, rank, rate, turns",
        "Line 2: candidate 0: producer (required) must be a model name or {kind, name}",
        f"Line 3: not UTF-8 text: byte 0xe9 at offset 37 of the line (offset {bad_byte} of the file, counting from 0)",
    ]
    assert lines[4:] == ["Line 4: metadata.score is NaN; JSON numbers must be finite (use null or a string)",
                         "Line 5: nested deeper than 64 levels"]
    assert "Import rejected: nothing was written." in alert.inner_text() and not Prompt.objects.exists()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"import-rejected-{width}")
        assert_fits_viewport(page)
        # The format example is read whole, not scrolled inside its card.
        assert page.get_by_test_id("format-example").evaluate("e => e.scrollWidth <= e.clientWidth"), width

    settings.IMPORT_MAX_BYTES = 2048
    good = "\n".join(jsonl_lines(sample_rows(30))).encode()
    page.set_input_files("input[name=file]", files=[{"name": "big.jsonl", "mimeType": "application/jsonl", "buffer": good}])
    page.reload()  # the page now says the new limit
    page.set_input_files("input[name=file]", files=[{"name": "big.jsonl", "mimeType": "application/jsonl", "buffer": good}])
    assert page.locator("#import-file-error").inner_text() == "This file is larger than the 2.0\xa0KB an import may be."
    page.get_by_role("button", name="Import").click()  # the browser refuses to send it
    assert page.evaluate("document.getElementById('import-file').validity.customError")
    screenshot(page, "import-too-large-390")
    assert not Prompt.objects.exists()

    settings.IMPORT_MAX_BYTES = 200 * 1024 * 1024
    page.reload()
    page.set_input_files("input[name=file]", files=[{"name": "good.jsonl", "mimeType": "application/jsonl", "buffer": good}])
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Imported good.jsonl: 30 lines: 30 new prompts").wait_for()
    assert Prompt.objects.filter(project=project).count() == 30
