"""The property every fuzz test checks of a request: no 5xx, and a refused request
(a 4xx, or a redirect carrying an error message) leaves every table as it was."""
import traceback
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client

from tests.support.db_state import changed_tables, fingerprint
from tests.support.strategies import urlencode_form

FORM = "application/x-www-form-urlencoded"
# Requests sent by the fuzz tests in this session (reported at the end of the run).
SENT = {"requests": 0}
REPO = Path(__file__).resolve().parents[2]

# Issue 19's helpers work on these files in parallel. A 5xx raised from one of them is
# that helper's to fix: the tests list it and end as xfail naming the lane (any other
# 5xx fails them). Empty this once their work is merged.
OTHER_LANES = {
    "feedback/labelling/services/imports.py": "imports",
    "feedback/labelling/views/imports.py": "imports",
    "feedback/api/limits.py": "imports",
    "feedback/labelling/services/labels.py": "labelling",
    "feedback/labelling/services/assignments.py": "labelling",
    "feedback/labelling/views/labelling.py": "labelling",
    "feedback/labelling/views/labels.py": "labelling",
    "feedback/loop/": "gate",
    "feedback/quality/metrics.py": "agreement",
    "feedback/quality/dashboard.py": "agreement",
    "feedback/quality/reliability.py": "agreement",
    "feedback/quality/selectors.py": "agreement",
    "feedback/api/authentication.py": "logins",
    "feedback/api/views/tokens.py": "logins",
}


class OtherLanes:
    """5xx found in other helpers' files: recorded, then settle() ends the test as xfail
    with each distinct failure (exception and line) and the first request that met it."""

    def __init__(self):
        self.found: dict[tuple[str, str, str], list[str]] = {}

    def lane_of(self, error: BaseException) -> tuple[str | None, str]:
        """The lane of the innermost frame in the project's own code, and that frame."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(str(REPO / "feedback"))]
        if not frames:
            return None, ""
        frame = frames[-1]
        where = Path(frame.filename).relative_to(REPO).as_posix()
        lane = next((lane for prefix, lane in OTHER_LANES.items() if where.startswith(prefix)), None)
        return lane, f"{where}:{frame.lineno} {frame.line}"

    def record(self, lane: str, request: str, error: BaseException, where: str) -> None:
        key = (lane, type(error).__name__, where)
        self.found.setdefault(key, []).append(f"{request} ({str(error)[:100]})")

    def settle(self) -> None:
        if self.found:
            lines = [f"[{lane} lane] {kind} at {where}, {len(requests)} requests, e.g. {requests[0]}"
                     for (lane, kind, where), requests in self.found.items()]
            pytest.xfail("5xx in other helpers' lanes:\n" + "\n".join(lines))


def _refused(response) -> bool:
    """A 4xx, or a redirect that carries an error message (how pages refuse a post)."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (301, 302, 303) and hasattr(response, "wsgi_request"):
        return any(m.level == messages.ERROR for m in get_messages(response.wsgi_request))
    return False


def check_request(client: Client, method: str, url: str, *, body: bytes = b"", content_type: str = "",
                  headers: dict | None = None, files: dict | None = None, lanes: OtherLanes | None = None):
    """Send one request and check the property: no 5xx (an exception in the view
    propagates here with its traceback), and a refused request leaves every table as
    it was. The request runs in a savepoint rolled back afterwards, so each example
    starts from the same rows. With `lanes`, an exception raised in another helper's
    file is recorded there instead of failing."""
    SENT["requests"] += 1
    # Messages left by earlier redirects (never followed here) would read as this one's.
    client.cookies.pop("messages", None)
    try:
        with transaction.atomic():
            before = fingerprint()
            if files is not None:
                response = client.post(url, files, headers=headers or {})
            else:
                response = client.generic(method, url, body, content_type or "application/octet-stream",
                                          headers=headers or {})
            assert response.status_code < 500, f"{method} {url} → {response.status_code}"
            if _refused(response):
                changed = changed_tables(before, fingerprint())
                assert not changed, f"{method} {url} → {response.status_code} but wrote to {changed}"
            transaction.set_rollback(True)
    except Exception as error:
        lane, where = lanes.lane_of(error) if lanes is not None and not isinstance(error, AssertionError) else (None, "")
        if lane is None:
            raise
        sent = body if files is None else {name: getattr(f, "name", f) for name, f in files.items()}
        lanes.record(lane, f"{method} {url} {sent!r:.100}", error, where)
        return None
    return response


def post_form(world, url: str, form: dict, *, htmx: bool = False, client: Client | None = None):
    """Post `form` as a browser would (urlencoded), as the world's admin by default."""
    headers = {"HX-Request": "true"} if htmx else {}
    return check_request(client or world.client, "POST", url, body=urlencode_form(form), content_type=FORM,
                         headers=headers, lanes=world.lanes)
