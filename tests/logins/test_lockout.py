"""django-axes on the login page and the Django admin: a (username, address) pair is
locked after FEEDBACK_LOGIN_FAILURE_LIMIT wrong passwords, the right password is refused
until the cool-off ends or an admin resets it, a success clears the count."""
from datetime import timedelta

from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(client, username, password, path=LOGIN, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_until_locked(client, username, limit, path=LOGIN):
    """limit - 1 wrong passwords answer the form again; the limit-th answers the lock.
    Each claims a different X-Forwarded-For: with no trusted proxy it is ignored."""
    for i in range(limit - 1):
        response = attempt(client, username, f"wrong-{i}", path, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        assert response.status_code == 200, response.status_code
    return attempt(client, username, "wrong-last", path, HTTP_X_FORWARDED_FOR="198.51.100.250")


def age_attempts(by: timedelta) -> None:
    """Time passing, as the database sees it: every recorded failure is older by `by`."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_wrong_passwords_lock_the_pair_and_even_the_right_password_waits(client, make_user, settings):
    make_user("alice")
    limit, cool_off = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert (limit, cool_off) == (5, timedelta(minutes=15))  # the documented defaults

    locked = fail_until_locked(client, "alice", limit)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == cool_off.total_seconds()
    page = locked.content.decode()
    assert "Logging in is paused" in page and "<strong>alice</strong>" in page
    assert 'class="topbar"' in page  # our base template, not a bare text response
    assert f"{limit} wrong passwords" in page and "paused for 15 minutes" in page

    refused = attempt(client, "alice", "alice-pw")
    assert refused.status_code == 429 and not logged_in(client)

    # Trying while locked does not extend the lock: ten minutes on, five remain.
    age_attempts(timedelta(minutes=10))
    refused = attempt(client, "alice", "alice-pw")
    assert refused.status_code == 429 and 295 <= int(refused["Retry-After"]) <= 300

    # When the cool-off has passed, the right password works and clears the record.
    age_attempts(timedelta(minutes=5, seconds=1))
    assert attempt(client, "alice", "alice-pw").status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_the_lock_is_per_username_and_address(make_user, settings):
    make_user("alice")
    make_user("bob")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    assert fail_until_locked(attacker, "alice", settings.AXES_FAILURE_LIMIT).status_code == 429
    # Alice at her own desk, and Bob behind the attacker's address, log in as usual.
    alice = Client(REMOTE_ADDR="192.0.2.10")
    assert attempt(alice, "alice", "alice-pw").status_code == 302 and logged_in(alice)
    bob = Client(REMOTE_ADDR="203.0.113.7")
    assert attempt(bob, "bob", "bob-pw").status_code == 302 and logged_in(bob)
    assert attempt(attacker, "alice", "alice-pw").status_code == 429


def test_a_success_resets_the_count(client, make_user, settings):
    make_user("alice")
    limit = settings.AXES_FAILURE_LIMIT
    for round_ in range(2):
        for i in range(limit - 1):
            assert attempt(client, "alice", f"typo-{i}").status_code == 200
        assert attempt(client, "alice", "alice-pw").status_code == 302, f"round {round_}"
        client.logout()
    assert fail_until_locked(client, "alice", limit).status_code == 429


def test_an_admin_unlocks_with_axes_reset(client, make_user, settings):
    make_user("alice")
    fail_until_locked(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert attempt(client, "alice", "alice-pw").status_code == 429
    call_command("axes_reset_username", "alice")
    assert attempt(client, "alice", "alice-pw").status_code == 302 and logged_in(client)


def test_the_django_admin_login_is_protected_too(client, make_user, settings):
    make_user("root", is_staff=True, is_superuser=True)
    locked = fail_until_locked(client, "root", settings.AXES_FAILURE_LIMIT, ADMIN_LOGIN)
    assert locked.status_code == 429 and "Logging in is paused" in locked.content.decode()
    assert f'href="{ADMIN_LOGIN}"' in locked.content.decode()  # back to the login it came from
    assert attempt(client, "root", "root-pw", ADMIN_LOGIN).status_code == 429 and not logged_in(client)
    call_command("axes_reset")
    assert attempt(client, "root", "root-pw", ADMIN_LOGIN).status_code == 302 and logged_in(client)


def test_behind_a_trusted_proxy_the_address_it_saw_counts(make_user, settings):
    """FEEDBACK_PROXY_COUNT=1: the address the proxy appended is the client's; what the
    client wrote to the left of it is not (or it could claim a new one each time)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make_user("alice")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(proxy, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7").status_code == 200
    assert attempt(proxy, "alice", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # Someone else behind the same proxy is not locked out.
    assert attempt(proxy, "alice", "alice-pw", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 302
    # A client that reached us directly and wrote a header that is no address counts
    # under its own REMOTE_ADDR (and is no 500: axes stores an inet).
    direct = Client(REMOTE_ADDR="192.0.2.99")
    assert attempt(direct, "bob", "wrong", HTTP_X_FORWARDED_FOR="not-an-address").status_code == 200
    assert AccessAttempt.objects.get(username="bob").ip_address == "192.0.2.99"


def test_odd_usernames_are_refused_with_the_form_not_a_500(db, client):
    for username in ("x" * 300, "nul\x00byte", "ünïcödé 🙂"):
        response = attempt(client, username, "whatever")
        assert response.status_code == 200 and 'name="username"' in response.content.decode()
    # The long one is counted under its first 255 characters (the column's width).
    assert AccessAttempt.objects.filter(username="x" * 255).exists()


def test_the_test_clients_login_still_works(client, make_user):
    """Client.login() authenticates without a request; the lockout check lets it pass."""
    make_user("alice")
    assert client.login(username="alice", password="alice-pw")
    assert not client.login(username="alice", password="nope")
