"""Errors that Django answers itself, before or around DRF (no such route, a bad Host
header, a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a failed CSRF check, a crash), are
JSON under /api/ like every other API error; pages keep Django's own."""
import pytest
from django.test import Client, RequestFactory
from django.urls import path

from feedback.api.errors import csrf_failure
from feedback.urls import handler400, handler403, handler404, handler500  # noqa: F401 (this URLconf's too)
from feedback.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("a bug")


# A URLconf for these tests: the project's, with a view that crashes under /api/ and one
# outside it (no real view crashes on purpose).
urlpatterns = [path("api/v1/crash/", crash), path("crash/", crash)] + project_urlpatterns


@pytest.fixture
def quiet_client():
    """A client that gets the response Django sends for a crash instead of the exception."""
    return Client(raise_request_exception=False)


def test_no_such_api_route_is_a_json_404(api_as, project, admin_user):
    client = api_as(admin_user)
    for url in ("/api/", "/api/v1/nothing/", f"/api/v1/projects/{project.slug}/assignments/{2**63}/submit/"):
        response = client.post(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith(f"Nothing at {url}: no such endpoint, or a number in it is not an id.")


def test_a_page_404_stays_a_page(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/p/answers/nothing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_method_not_allowed_is_json(api_as, project, admin_user):
    response = api_as(admin_user).delete(f"/api/v1/projects/{project.slug}/")
    assert response.status_code == 405 and response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_a_bad_host_header_is_a_json_400_under_the_api(client):
    response = client.get("/api/v1/projects/", headers={"Host": "evil.example"})
    assert response.status_code == 400 and response.json() == {"detail": "Invalid Host header."}
    page = client.get("/accounts/login/", headers={"Host": "evil.example"})
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_a_body_past_djangos_limit_is_a_json_413_saying_the_limit(api_as, project, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    client = api_as(admin_user)
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        response = client.post(f"/api/v1/projects/{project.slug}/codebooks/", "text=" + "x" * 1000,
                               content_type=content_type)
        assert response.status_code == 413, content_type
        assert response.json() == {"detail": "Request body too large: 1,005 bytes; the limit here is 200 bytes.",
                                   "limit_bytes": 200}
    assert not project.codebooks.exists()


@pytest.mark.urls("tests.api.test_errors")
def test_a_crash_under_the_api_is_a_json_500(quiet_client):
    response = quiet_client.get("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error. It was logged; please try again later."}
    page = quiet_client.get("/crash/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_failed_csrf_check_on_a_session_post_is_json(project, admin_user, codebook):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(f"/api/v1/projects/{project.slug}/codebooks/acknowledge/")
    assert response.status_code == 403 and response.json()["detail"].startswith("CSRF Failed")


def test_djangos_csrf_failure_view_answers_json_under_the_api():
    """The view Django calls for a failed check (CSRF_FAILURE_VIEW), for what the
    middleware itself refuses under /api/ (DRF's views check CSRF themselves, above)."""
    api = csrf_failure(RequestFactory().post("/api/v1/anything/"), reason="CSRF cookie not set.")
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    assert api.content.decode().startswith('{"detail": "CSRF check failed: CSRF cookie not set. A session-authenticated')
    page = csrf_failure(RequestFactory().post("/p/answers/label/"), reason="CSRF cookie not set.")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
