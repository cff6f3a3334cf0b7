"""A NUL character in a query string or a form post is a 400 before any view: Postgres
cannot hold one, and handed to a query it was a 500 (psycopg's DataError)."""
import pytest
from django.urls import reverse

from feedback.loop.models import AdapterEvent, AdapterVersion
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)

MESSAGE = "The request contains a NUL character (%00), which no field can hold."


@pytest.mark.parametrize("query", ["annotator=a%00", "a%00=1", "page=1&annotator=%00"])
def test_a_nul_in_a_page_query_is_a_400(client, project, admin_user, query):
    client.force_login(admin_user)
    response = client.get(f"/p/{project.slug}/labels/?{query}")
    assert response.status_code == 400 and response.content.decode() == MESSAGE


@pytest.mark.parametrize("path", ["labels/?annotator=a%00", "tasks/?kind=%00", "prompts/?split=x%00"])
def test_a_nul_in_an_api_query_is_a_json_400(client, project, admin_user, path):
    client.force_login(admin_user)
    response = client.get(f"/api/v1/projects/{project.slug}/{path}")
    assert response.status_code == 400 and response.json() == {"detail": MESSAGE}


def test_a_nul_in_a_form_post_is_a_400_and_nothing_is_written(client, project, admin_user):
    adapter = AdapterVersion.objects.create(project=project, version=1, algorithm="dpo", base_model="demo",
                                            directory="/nowhere", weights_sha256="0" * 64)
    client.force_login(admin_user)
    url = reverse("loop:promote", args=[project.slug, adapter.pk])
    response = client.post(url, "note=by%00hand&confirm=yes", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    adapter.refresh_from_db()
    assert adapter.status == "candidate" and not AdapterEvent.objects.exists()
    assert client.post(url, "note=by+hand&confirm=yes", content_type="application/x-www-form-urlencoded").status_code == 302
