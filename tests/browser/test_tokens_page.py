"""A reviewer gets an API token from the Tokens page in Chromium, uses it from a script
(an HTTP client, as the README's curl line does) to download an export, replaces it
and revokes it: each old token is refused (401) from that moment."""
import json
import urllib.error
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.known_labels import known_labels  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def call_api(base: str, path: str, key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_create_use_replace_and_revoke_a_token(page, live_server, project, known_labels, reviewer):  # noqa: F811
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    export = f"/api/v1/projects/{project.slug}/export/?dataset=preference&split=train"  # the README's curl line
    log_in(page, "rita", "rita-pw")
    page.locator(".user-menu summary").click()  # the user menu, under their name
    page.locator(".user-menu").get_by_role("link", name="API token").click()
    page.wait_for_url("**/accounts/tokens/")
    assert "You have no API token" in page.get_by_test_id("token-state").inner_text()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"tokens-none-{width}")
        assert_fits_viewport(page)

    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token").input_value()
    assert key == Token.objects.get(user=reviewer).key
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"tokens-created-{width}")
        assert_fits_viewport(page)

    status, body = call_api(live_server.url, export, key)
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert status == 200 and rows and all({"prompt", "chosen", "rejected"} <= set(row) for row in rows)

    page.reload()  # shown once: never again
    assert page.get_by_test_id("new-token").count() == 0 and key not in page.content()
    assert "Created" in page.get_by_test_id("token-state").inner_text()

    page.get_by_role("link", name="Create a new token…").click()
    page.get_by_role("heading", name="Replace your token?").wait_for()
    screenshot(page, "tokens-confirm-replace-390")
    assert_fits_viewport(page)
    page.get_by_role("button", name="Replace token").click()
    new_key = page.get_by_test_id("new-token").input_value()
    assert new_key != key and Token.objects.get(user=reviewer).key == new_key
    assert call_api(live_server.url, export, key)[0] == 401
    assert call_api(live_server.url, export, new_key)[0] == 200

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke token").click()
    page.get_by_text("Token revoked").wait_for()
    assert not Token.objects.filter(user=reviewer).exists()
    assert "You have no API token" in page.get_by_test_id("token-state").inner_text()
    status, body = call_api(live_server.url, export, new_key)
    assert status == 401 and json.loads(body)["detail"] == "Invalid token."
