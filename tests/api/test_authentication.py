"""Token authentication: the caller is the token's user; unknown tokens and inactive
users are refused with a message."""
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_with(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_a_token_acts_as_its_own_user(project, annotators, reviewer, make_user):
    for user, role in ((annotators[0], "annotator"), (reviewer, "reviewer")):
        token = Token.objects.create(user=user)
        assert api_with(token.key).get(f"/api/v1/projects/{project.slug}/").json()["role"] == role
    # An outsider's token finds no project (its existence is not leaked).
    outsider = Token.objects.create(user=make_user("otto"))
    assert api_with(outsider.key).get(f"/api/v1/projects/{project.slug}/").status_code == 404


def test_unknown_tokens_and_inactive_users_are_refused(project, annotators):
    unknown = api_with("0" * 40).get("/api/v1/projects/")
    assert unknown.status_code == 401 and unknown.json()["detail"] == "Invalid token."
    alice = annotators[0]
    token = Token.objects.create(user=alice)
    assert api_with(token.key).get("/api/v1/projects/").status_code == 200
    alice.is_active = False
    alice.save()
    refused = api_with(token.key).get("/api/v1/projects/")
    assert refused.status_code == 401 and refused.json()["detail"] == "User inactive or deleted."


def test_superusers_reach_every_project_as_admins(project, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    token = Token.objects.create(user=root)
    body = api_with(token.key).get(f"/api/v1/projects/{project.slug}/").json()
    assert body["slug"] == project.slug and body["role"] == "admin"
