"""Projects, codebooks, prompts, tasks, labels and tokens: every endpoint per role."""
import uuid

import pytest
from rest_framework.test import APIClient

from feedback.labelling.models import Prompt
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.labels import Submission, label_submit
from tests.support.rows import sample_rows


@pytest.fixture
def labelled(project, annotators, tasks_of):
    """Each annotator labels one pair task; returns {username: label}."""
    tasks_of("pair", 3)
    labels = {}
    for user in annotators:
        assignment = assignment_next(project=project, user=user)
        labels[user.username], _ = label_submit(
            assignment_id=assignment.pk,
            user=user,
            submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=10),
        )
    return labels


ENDPOINTS = [
    # (method, path, minimum role)
    ("get", "/api/v1/projects/{slug}/", "annotator"),
    ("get", "/api/v1/projects/{slug}/codebooks/", "annotator"),
    ("get", "/api/v1/projects/{slug}/labels/", "annotator"),
    ("get", "/api/v1/projects/{slug}/prompts/", "reviewer"),
    ("get", "/api/v1/projects/{slug}/tasks/", "reviewer"),
    ("post", "/api/v1/projects/{slug}/codebooks/", "admin"),
    ("post", "/api/v1/projects/{slug}/prompts/import/", "admin"),
]
ROLE_ORDER = ["annotator", "reviewer", "admin"]


@pytest.mark.parametrize("method,path,min_role", ENDPOINTS)
def test_permissions_by_role(api_as, make_user, project, codebook, method, path, min_role):
    url = path.format(slug=project.slug)
    bodies = {"post": {"text": "# New", "items": sample_rows(1)}}
    outsider = make_user("outsider")
    assert getattr(api_as(outsider), method)(url, bodies.get(method), format="json").status_code == 404
    assert getattr(APIClient(), method)(url, bodies.get(method), format="json").status_code in (401, 403)
    for role in ROLE_ORDER:
        user = make_user(f"{role}-user", project=project, role=role)
        status = getattr(api_as(user), method)(url, bodies.get(method), format="json").status_code
        allowed = ROLE_ORDER.index(role) >= ROLE_ORDER.index(min_role)
        assert (status < 400) == allowed, (role, status)
        if not allowed:
            assert status == 403


def test_project_list_shows_role(api_as, annotators, project):
    body = api_as(annotators[0]).get("/api/v1/projects/").json()
    assert [(p["slug"], p["role"]) for p in body["results"]] == [(project.slug, "annotator")]


def test_annotator_sees_only_own_labels_reviewer_sees_all(api_as, labelled, reviewer, project, annotators):
    mine = api_as(annotators[0]).get(f"/api/v1/projects/{project.slug}/labels/").json()["results"]
    assert [row["annotator"] for row in mine] == ["alice"]
    # Asking for someone else's labels by filter returns nothing, not their labels.
    other = api_as(annotators[0]).get(f"/api/v1/projects/{project.slug}/labels/?annotator=bob").json()["results"]
    assert other == []
    everyone = api_as(reviewer).get(f"/api/v1/projects/{project.slug}/labels/").json()["results"]
    assert sorted(row["annotator"] for row in everyone) == ["alice", "bob", "carol"]


def test_label_filters(api_as, labelled, reviewer, project, admin_user):
    api = api_as(reviewer)
    url = f"/api/v1/projects/{project.slug}/labels/"
    assert len(api.get(url + "?annotator=bob").json()["results"]) == 1
    assert len(api.get(url + "?kind=pair&codebook_version=1").json()["results"]) == 3
    assert api.get(url + "?codebook_version=2").json()["results"] == []
    assert api.get(url + "?kind=essay").status_code == 400
    assert api.get(url + "?since=not-a-date").status_code == 400
    assert len(api.get(url + "?since=2000-01-01&until=2999-01-01").json()["results"]) == 3
    assert api.get(url + "?until=2000-01-01").json()["results"] == []


def test_bulk_import_is_atomic_numbered_and_idempotent(api_as, admin_user, project):
    api = api_as(admin_user)
    url = f"/api/v1/projects/{project.slug}/prompts/import/"
    items = sample_rows(3)
    bad = items + [{"external_id": "x", "prompt": ""}, {"prompt": "no id"}]
    response = api.post(url, {"items": bad}, format="json")
    assert response.status_code == 400
    assert [e["item"] for e in response.json()["errors"]] == [4, 5]
    assert not Prompt.objects.exists()
    first = api.post(url, {"items": items}, format="json")
    assert first.status_code == 201 and first.json()["prompts_created"] == 3
    again = api.post(url, {"items": items}, format="json")
    assert again.status_code == 200 and again.json() == {"items": 3, "prompts_created": 0, "candidates_created": 0, "tasks_created": 0}
    listed = api.get(f"/api/v1/projects/{project.slug}/prompts/").json()
    assert listed["count"] == 3 and len(listed["results"][0]["candidates"]) == 2


def test_codebook_publish_via_api(api_as, admin_user, project, codebook):
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/codebooks/", {"text": "## Rules v2", "change_note": "v2"}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 2
    versions = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/codebooks/").json()["results"]
    assert [(v["version"], v["is_active"]) for v in versions] == [(2, True), (1, False)]


def test_page_size_is_bounded(api_as, reviewer, project, tasks_of):
    tasks_of("pair", 3)
    body = api_as(reviewer).get(f"/api/v1/projects/{project.slug}/tasks/?limit=100000").json()
    assert body["count"] == 3
    from feedback.api.pagination import BoundedLimitOffsetPagination

    assert BoundedLimitOffsetPagination.max_limit == 500


def test_token_create_rotate_revoke(client, make_user):
    user = make_user("tess")
    client.force_login(user)
    first = client.post("/api/v1/token/").json()["token"]
    second = client.post("/api/v1/token/").json()["token"]
    assert first != second
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/v1/projects/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/v1/projects/").status_code == 200
    assert client.delete("/api/v1/token/").status_code == 204
    assert api.get("/api/v1/projects/").status_code == 401


def test_schema_and_docs_are_served(client, make_user):
    client.force_login(make_user("doc"))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/projects/{slug}/next/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    # Swagger UI comes from our own static files (the sidecar package), never a CDN.
    assert "/static/drf_spectacular_sidecar/" in docs and "jsdelivr" not in docs and "unpkg" not in docs


def test_labels_page_by_cursor_in_id_order(api_as, labelled, reviewer, project):
    """The label list follows `next` links (?limit= a page), in id order, without a
    count or an offset; limit is bounded like every list's."""
    api = api_as(reviewer)
    url = f"/api/v1/projects/{project.slug}/labels/"
    first = api.get(url, {"limit": 2}).json()
    assert set(first) == {"next", "previous", "results"} and first["previous"] is None
    second = api.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(label.pk for label in labelled.values()) and second["next"] is None
    assert [row["id"] for row in api.get(second["previous"]).json()["results"]] == ids[:2]
    assert len(api.get(url, {"limit": 100000}).json()["results"]) == 3
    from feedback.api.pagination import LabelCursorPagination

    assert LabelCursorPagination.max_page_size == 500
    assert api.get(url, {"cursor": "not-a-cursor"}).status_code == 404
    assert api.get(url, {"annotator": "nobody"}).json()["results"] == []
