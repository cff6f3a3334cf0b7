"""Someone types wrong passwords into the login page until it pauses: the lockout page
says for how long, and the right password does not get in until the pause ends."""
import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session

from tests.support.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_password(page, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def test_wrong_passwords_show_the_lockout_page(page, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("alice")
    page.goto("/accounts/login/")
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        type_password(page, "alice", f"guess-{i}")
        assert "didn't match" in page.locator(".message.error").inner_text()
    type_password(page, "alice", "guess-last")

    heading = page.get_by_role("heading", name="Logging in is paused")
    assert heading.is_visible()
    alert = page.get_by_role("alert").inner_text()
    assert "5 wrong passwords in a row for alice" in alert and "paused for 15 minutes" in alert
    assert "in 15 minutes" in page.locator(".retry").inner_text()
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        box = page.locator(".locked-out").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing cut off on a phone
        screenshot(page, f"login-locked-out-{width}")

    # Back to the form; the right password now is refused too, and nobody is logged in.
    page.get_by_role("link", name="Back to log in").click()
    type_password(page, "alice", "alice-pw")
    assert heading.is_visible()
    assert AccessAttempt.objects.get(username="alice").failures_since_start == settings.AXES_FAILURE_LIMIT
    assert not Session.objects.exists()
