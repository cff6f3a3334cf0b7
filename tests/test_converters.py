"""Numbers in URLs: every route's number is bounded by the column it names, so an id
past 2**63 - 1 (or a version past 2**31 - 1) is a 404 on SQLite and on Postgres, where
it was an OverflowError or "bigint out of range" from the queries behind the page."""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404

from feedback.bounds import BIGINT_MAX, INT_MAX
from feedback.converters import DatabaseId, DatabaseInt32
from feedback.labelling.models import Role
from feedback.labelling.services.codebooks import codebook_acknowledge
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)

LIMITS = {DatabaseId: BIGINT_MAX, DatabaseInt32: INT_MAX}


def project_routes(resolver=None, prefix=""):
    """(route text, converters) of every pattern of our own apps (not the admin's)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith("admin/"):
                yield from project_routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.pattern.converters


def numbered_routes():
    return [(route, converters) for route, converters in project_routes()
            if any(isinstance(c, (DatabaseId, DatabaseInt32)) for c in converters.values())]


def fill(route: str, converters: dict, number_for) -> str:
    """The route with the project's slug, `number_for(converter)` for each number, "x" for names."""
    def value(match):
        name = match.group(2)
        converter = converters[name]
        if isinstance(converter, (DatabaseId, DatabaseInt32)):
            return str(number_for(converter))
        return "answers" if name == "slug" else "x"

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def test_no_route_takes_an_unbounded_number():
    routes = list(project_routes())
    assert len(routes) > 30
    unbounded = [route for route, converters in routes if any(type(c) is IntConverter for c in converters.values())]
    assert not unbounded, f"use <id:...> or <int32:...>: {unbounded}"
    assert len(numbered_routes()) >= 14


def test_the_largest_number_a_column_holds_resolves_and_the_next_does_not():
    for route, converters in numbered_routes():
        assert resolve(fill(route, converters, lambda c: LIMITS[type(c)]))
        with pytest.raises(Resolver404):
            resolve(fill(route, converters, lambda c: LIMITS[type(c)] + 1))
        with pytest.raises(Resolver404):
            resolve(fill(route, converters, lambda c: "9" * 30))


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_numbered_route_answers_a_4xx_at_and_past_the_column_limits(client, project, make_user, codebook,
                                                                          method):
    """Both sides of each limit reach (or not) the real views on this database: the
    largest id a column holds finds no row (404; 405 for the wrong method, 400 for a
    body missing), the next is no route at all (404); never a 5xx."""
    admin = make_user("boss", project=project, role=Role.ADMIN)
    codebook_acknowledge(user=admin, codebook=codebook)
    client.force_login(admin)
    for route, converters in numbered_routes():
        for over in (0, 1, 2**64):
            url = fill(route, converters, lambda c, over=over: LIMITS[type(c)] + over)
            response = getattr(client, method)(url)
            assert 400 <= response.status_code < 500, (method, url, response.status_code)
            if url.startswith("/api/"):
                assert response["Content-Type"] == "application/json", url


def test_reverse_writes_the_number():
    assert reverse("labelling:submit", args=["answers", BIGINT_MAX]) == f"/p/answers/label/{BIGINT_MAX}/submit/"
    assert reverse("labelling:codebook_version", args=["answers", 3]) == "/p/answers/codebook/v3/"
