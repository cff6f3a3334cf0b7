"""Throttles counted in the cache: failed token authentications per address, token
minting per user; a valid token is never throttled and never costs a cache round trip."""
import secrets
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support.services import require_service

PROJECTS = "/api/v1/projects/"
FAILURE_LIMIT = 20  # the default FEEDBACK_API_AUTH_FAILURE_RATE, 20/min


def with_token(key: str, address: str = "127.0.0.1") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def send_random_tokens(address: str, count: int) -> list:
    return [with_token(secrets.token_hex(20), address).get(PROJECTS) for _ in range(count)]


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert 1 <= int(response["Retry-After"]) <= 60
    detail = response.json()["detail"]
    assert "Too many failed authentications from this address (at most 20/min)" in detail
    assert "Expected available in" in detail


def test_random_tokens_get_429_after_the_limit(db, settings, annotators):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_failure"] == "20/min"
    refused = send_random_tokens("203.0.113.7", FAILURE_LIMIT)
    assert {r.status_code for r in refused} == {401}
    assert refused[0].json()["detail"] == "Invalid token."
    assert_throttled(send_random_tokens("203.0.113.7", 1)[0])
    # Malformed headers count as failures too, and are throttled the same way.
    assert_throttled(with_token("two words", "203.0.113.7").get(PROJECTS))
    # Another address is not affected; a valid token from the throttled one still works.
    assert send_random_tokens("192.0.2.10", 1)[0].status_code == 401
    valid = Token.objects.create(user=annotators[0]).key
    assert with_token(valid, "203.0.113.7").get(PROJECTS).status_code == 200


def test_a_valid_token_is_never_throttled_nor_touches_the_cache(api_as, annotators, project, tasks_of):
    """The labelling round trip over a valid token, many times: all answered, and not
    one statement on the cache table (the embedded cache is a database table)."""
    tasks_of("pair", 40)
    api = api_as(annotators[0])
    with CaptureQueriesContext(connection) as queries:
        task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
        labelled = 0
        while task:
            response = api.post(
                f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/submit/?next=true",
                {"answer": {"choice": "A"}, "submission_id": str(uuid.uuid4()), "time_spent_ms": 900},
                format="json",
            )
            assert response.status_code == 201, response.content
            labelled += 1
            task = response.json()["next"]
        for _ in range(60):
            assert api.get(PROJECTS).status_code == 200
    assert labelled == 40
    assert not [q["sql"] for q in queries.captured_queries if "feedback_cache" in q["sql"]]


def test_failures_are_counted_in_the_cache_table(db):
    send_random_tokens("203.0.113.9", 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM feedback_cache")
        keys = [key for (key,) in cursor.fetchall()]
    assert any("throttle_auth_failure_203.0.113.9" in key for key in keys), keys


def test_minting_tokens_is_throttled_per_user(client, make_user):
    client.force_login(make_user("alice"))
    minted = [client.post("/api/v1/token/") for _ in range(10)]
    assert {r.status_code for r in minted} == {201}
    throttled = client.post("/api/v1/token/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert "throttled" in throttled.json()["detail"]
    # Bob's allowance is his own.
    client.force_login(make_user("bob"))
    assert client.post("/api/v1/token/").status_code == 201


@pytest.fixture
def redis_cache(settings):
    """CACHE_URL=redis://...: the throttles count in the real Redis."""
    from tests.support.services import REDIS_URL, redis_available

    require_service(redis_available(), "Redis on 127.0.0.1:6379")
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "feedback"}
    }
    yield server
    server.flushdb()


def test_random_tokens_get_429_with_the_redis_cache(db, redis_cache):
    assert {r.status_code for r in send_random_tokens("203.0.113.8", FAILURE_LIMIT)} == {401}
    assert_throttled(send_random_tokens("203.0.113.8", 1)[0])
    keys = [key.decode() for key in redis_cache.keys("*")]
    assert any(key.startswith("feedback:") and "throttle_auth_failure_203.0.113.8" in key for key in keys), keys
