"""feedback/limits.py: bodies over the limit are refused before anything reads them,
as JSON on the API and as a page (or the page's own form error) for people."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from django.urls import reverse

from feedback.labelling.models import Prompt


@pytest.fixture
def small_bodies(settings):
    """Django's in-memory limit at 1000 bytes and the API's above it: the API limit
    is then Django's, and Django's own refusal (an HTML 400) must never show."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.API_MAX_BODY_BYTES = 1_000_000


@pytest.mark.parametrize("path", ["next/", "codebooks/", "assignments/1/submit/", "prompts/import/"])
def test_every_api_path_answers_a_too_large_body_with_json_413(api_as, admin_user, project, small_bodies, path):
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/{path}", {"pad": "x" * 5000}, format="json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "the limit here is 1000 bytes." in response.json()["detail"]
    assert response.json()["limit_bytes"] == 1000


def test_the_token_endpoint_too(api_as, admin_user, small_bodies):
    response = api_as(admin_user).post("/api/v1/token/", "x" * 5000, content_type="text/plain")
    assert response.status_code == 413 and "the limit here is 1000 bytes" in response.json()["detail"]


def test_a_chunked_body_is_411_not_read_as_empty(api_as, admin_user, project, client):
    # gunicorn passes a chunked body on without CONTENT_LENGTH, and Django's WSGI request
    # then reads it as empty: a view would see no data and answer about missing fields.
    chunked = {"CONTENT_LENGTH": None, "HTTP_TRANSFER_ENCODING": "chunked"}
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/prompts/import/", {"items": []}, format="json", **chunked)
    assert response.status_code == 411 and "Content-Length" in response.json()["detail"]
    client.force_login(admin_user)
    assert client.post(reverse("labelling:codebook_edit", args=[project.slug]), {"text": "x"}, **chunked).status_code == 411


def test_a_page_form_over_the_limit_gets_a_page_saying_so(client, admin_user, project, codebook, small_bodies):
    client.force_login(admin_user)
    url = reverse("labelling:codebook_edit", args=[project.slug])
    response = client.post(url, {"text": "x" * 5000, "change_note": "long"}, HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 413
    page = response.content.decode()
    assert "That was too large to send" in page and "at most 1000\xa0bytes" in page and f'href="http://testserver{url}"' in page
    assert project.codebooks.count() == 1


def test_form_fields_beside_an_upload_are_still_bounded(api_as, admin_user, project, small_bodies):
    # Content-Length counts the file too, so this passes the first check; Django refuses
    # the 5000-byte field while parsing, and that is a JSON 413 as well.
    body = encode_multipart("B", {"note": "x" * 5000, "file": SimpleUploadedFile("p.jsonl", b'{"external_id": "a", "prompt": "Q?"}')})
    response = api_as(admin_user).generic("POST", f"/api/v1/projects/{project.slug}/prompts/import/", body,
                                          content_type="multipart/form-data; boundary=B")
    assert response.status_code == 413 and "fields other than files" in response.json()["detail"]
    assert not Prompt.objects.exists()
