"""What the browser tests do on a Playwright page besides asserting: log in, keep a screenshot."""
import os
from pathlib import Path

SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")


def screenshot(page, name: str) -> None:
    """Saved only when SCREENSHOT_DIR is set, for a person to look at."""
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url("**/")


def assert_fits_viewport(page) -> None:
    """Nothing on the page is wider than the window: a phone never scrolls sideways.
    Wide tables scroll inside their own card instead."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px window"


WIDTHS = (1280, 390)  # a laptop and a phone


def fits_at_each_width(page, name: str) -> None:
    """At a laptop's and a phone's width: nothing wider than the window, and a screenshot
    `<name>-<width>`; then back to the window the test had."""
    before = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")  # laid out at the new width
        page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky header
        assert_fits_viewport(page)
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size(before)
