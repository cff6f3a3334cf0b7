"""Property-based run over the OpenAPI schema (schemathesis strategies driven by
Hypothesis): whatever the inputs, the API never answers with a 5xx. Bounded: a few
examples per operation, against the WSGI app in-process."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from feedback.labelling.models import Role
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.labelling.services.imports import import_jsonl
from tests.conftest import jsonl_lines, sample_rows

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def connection_kept_across_requests():
    """As Django's test client does: the test's transaction holds the connection, so
    the end of a WSGI request must not close it (it would on Postgres)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_server_errors(project, make_user, codebook, connection_kept_across_requests):
    import_jsonl(project=project, lines=jsonl_lines(sample_rows(5, "pair") + sample_rows(3, "rank", prefix="r")))
    admin = make_user("fuzzer", project=project, role=Role.ADMIN)
    codebook_acknowledge(user=admin, codebook=codebook)
    headers = {"Authorization": f"Token {Token.objects.create(user=admin).key}"}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/token/":
            continue  # rotating the token would lock out the rest of the run; tested on its own

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def probe(case):
            nonlocal calls
            if "slug" in (case.path_parameters or {}):
                # Mostly the real project, so requests get past the 404 and into the views.
                case.path_parameters["slug"] = project.slug
            response = case.call(app=app, headers=headers)
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} → {response.status_code}: {response.text[:300]}")

        probe()
    assert calls >= 50
    assert not failures, "\n".join(failures[:10])
