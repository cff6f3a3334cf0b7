"""The Tokens page: a person creates, replaces and revokes their own API token with
plain forms; the key is shown once; replacing or revoking needs a confirmation; the
page counts against the same rate as POST /api/v1/token/."""
import re

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

URL = reverse("tokens")


def shown_key(html: str) -> str | None:
    found = re.search(r'id="new-token" class="mono" value="([0-9a-f]+)"', html)
    return found.group(1) if found else None


def api_status(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/projects/").status_code


def test_only_a_logged_in_person_has_the_page(client, db):
    assert client.get(URL)["Location"].startswith(reverse("login"))
    assert client.post(URL, {"action": "create"})["Location"].startswith(reverse("login"))
    assert not Token.objects.exists()


def test_create_shows_the_key_once_and_it_works(client, make_user):
    user = make_user("alice")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "No token yet" in page and reverse("tokens") in page  # the user menu links here too
    response = client.post(URL, {"action": "create"})
    assert response.status_code == 302 and response["Location"] == URL
    token = Token.objects.get(user=user)
    assert shown_key(client.get(URL).content.decode()) == token.key
    again = client.get(URL).content.decode()
    assert shown_key(again) is None and token.key not in again and "You have a token" in again
    assert api_status(token.key) == 200


def test_replacing_and_revoking_need_a_confirmation(client, make_user):
    user = make_user("alice")
    client.force_login(user)
    client.post(URL, {"action": "create"})
    old = Token.objects.get(user=user).key
    for action in ("create", "revoke"):
        refused = client.post(URL, {"action": action})
        assert refused.status_code == 400 and "Nothing was changed" in refused.content.decode()
        assert Token.objects.get(user=user).key == old
    confirm = client.get(URL + "?confirm=replace").content.decode()
    assert "Replace your token?" in confirm and 'name="confirm" value="yes"' in confirm
    assert client.post(URL, {"action": "create", "confirm": "yes"}).status_code == 302
    new = Token.objects.get(user=user).key
    assert new != old and shown_key(client.get(URL).content.decode()) == new
    assert api_status(old) == 401 and api_status(new) == 200

    assert "Revoke your token?" in client.get(URL + "?confirm=revoke").content.decode()
    response = client.post(URL, {"action": "revoke", "confirm": "yes"}, follow=True)
    assert "Token revoked" in response.content.decode() and not Token.objects.filter(user=user).exists()
    assert api_status(new) == 401


def test_unknown_actions_change_nothing(client, make_user):
    user = make_user("alice")
    client.force_login(user)
    for form in ({}, {"action": "steal"}, {"action": "create\x00"}):
        response = client.post(URL, form)
        assert response.status_code == 400, form
    assert not Token.objects.exists()
    assert client.get(URL + "?confirm=revoke").status_code == 200  # nothing to confirm without a token


def test_the_page_shares_the_api_rate(client, make_user):
    client.force_login(make_user("alice"))
    for _ in range(10):  # the default FEEDBACK_API_TOKEN_RATE, 10/hour
        assert client.post("/api/v1/token/").status_code == 201
    key = Token.objects.get().key
    response = client.post(URL, {"action": "create", "confirm": "yes"})
    assert response.status_code == 429 and "at most 10/hour per person" in response.content.decode()
    assert Token.objects.get().key == key
