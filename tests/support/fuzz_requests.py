"""The property every fuzz test checks of a request: no 5xx, and a refused request
(a 4xx, or a redirect carrying an error message) leaves every table as it was."""
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client

from tests.support.db_state import changed_tables, fingerprint
from tests.support.strategies import urlencode_form

FORM = "application/x-www-form-urlencoded"
# Requests sent by the fuzz tests in this session (reported at the end of the run).
SENT = {"requests": 0}


def _refused(response) -> bool:
    """A 4xx, or a redirect that carries an error message (how pages refuse a post)."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (301, 302, 303) and hasattr(response, "wsgi_request"):
        return any(m.level == messages.ERROR for m in get_messages(response.wsgi_request))
    return False


def check_request(client: Client, method: str, url: str, *, body: bytes = b"", content_type: str = "",
                  headers: dict | None = None, files: dict | None = None):
    """Send one request and check the property: no 5xx (an exception in the view
    propagates here with its traceback), and a refused request leaves every table as
    it was. The request runs in a savepoint rolled back afterwards, so each example
    starts from the same rows."""
    SENT["requests"] += 1
    # Messages left by earlier redirects (never followed here) would read as this one's.
    client.cookies.pop("messages", None)
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
    return response


def post_form(world, url: str, form: dict, *, htmx: bool = False, client: Client | None = None):
    """Post `form` as a browser would (urlencoded), as the world's admin by default."""
    headers = {"HX-Request": "true"} if htmx else {}
    return check_request(client or world.client, "POST", url, body=urlencode_form(form), content_type=FORM,
                         headers=headers)
