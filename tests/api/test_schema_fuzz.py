"""Property-based run over the OpenAPI schema (schemathesis strategies driven by
Hypothesis), against the WSGI app in-process: whatever the inputs, the API never
answers with a 5xx, every error is JSON, and a refused request writes nothing.

Schemathesis generates from the schema, both inputs that fit it and ones that do not
(negative mode); hooks then mix in the project's own hostile values
(tests/support/strategies.py): numbers past the database's range in paths, bodies and
query strings, JSON nested past any bound, NUL and unpaired surrogates, dates that
overflow. FUZZ_EXAMPLES (examples per operation and mode) sizes the run."""
import json
import os
import sys

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from feedback.labelling.models import Role
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.labelling.services.imports import import_jsonl
from tests.support.rows import jsonl_lines, sample_rows
from tests.support.db_state import changed_tables, fingerprint
from tests.support.strategies import deep_value, fuzz_settings, huge_ints, json_values, nasty_text

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# A query string cannot carry an unpaired surrogate (the client cannot encode one), nor
# can schemathesis's form bodies: those go in tests/fuzz/ as raw bytes.
HOSTILE_QUERY = ["2020-13-45", "2020-02-30", "9999-12-31", "0001-01-01T00:00:00+01:00", str(2**63), "-1", "\x00", "𝔘"]


@pytest.fixture
def connection_kept_across_requests():
    """As Django's test client does: the test's transaction holds the connection, so
    the end of a WSGI request must not close it (it would on Postgres)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def hostile(value):
    """A strategy: `value` as generated, or with one of its parts replaced by a hostile one."""
    if isinstance(value, dict) and value:
        return st.one_of(st.just(value), st.builds(
            lambda key, new: {**value, key: new}, st.sampled_from(sorted(value)),
            st.one_of(huge_ints(), deep_value(), encodable(nasty_text()), encodable(json_values(4)))))
    return st.one_of(st.just(value), huge_ints(), deep_value(), encodable(json_values(4)))


def encodable(strategy):
    """Values whose text UTF-8 can encode (see HOSTILE_QUERY)."""
    return strategy.filter(lambda value: "\\ud" not in json.dumps(value, ensure_ascii=True))


def register_hostile_values(schema) -> None:
    @schema.hook("flatmap_body")
    def bodies(context, body):
        return hostile(body)

    @schema.hook("flatmap_path_parameters")
    def path_parameters(context, parameters):
        numbers = [key for key, value in (parameters or {}).items() if isinstance(value, int)]
        if not numbers:
            return st.just(parameters)
        return st.one_of(st.just(parameters), st.builds(
            lambda key, number: {**parameters, key: number}, st.sampled_from(numbers),
            huge_ints().filter(lambda n: n >= 0)))

    @schema.hook("flatmap_query")
    def query(context, parameters):
        if not parameters:
            return st.just(parameters)
        return st.one_of(st.just(parameters), st.builds(
            lambda key, new: {**parameters, key: new}, st.sampled_from(sorted(parameters)),
            st.sampled_from(HOSTILE_QUERY)))


@pytest.fixture
def crashes():
    """Exceptions raised in the app during a request (the WSGI app answers them with a
    500; this keeps the exception, to say what failed)."""
    caught = []

    def keep(sender, request=None, **kwargs):
        caught.append(sys.exc_info()[1])

    got_request_exception.connect(keep)
    yield caught
    got_request_exception.disconnect(keep)


def test_no_server_errors(project, make_user, codebook, connection_kept_across_requests, crashes):
    import_jsonl(project=project, lines=jsonl_lines(sample_rows(5, "pair") + sample_rows(3, "rank", prefix="r")))
    admin = make_user("fuzzer", project=project, role=Role.ADMIN)
    codebook_acknowledge(user=admin, codebook=codebook)
    headers = {"Authorization": f"Token {Token.objects.create(user=admin).key}"}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    register_hostile_values(schema)
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @fuzz_settings(examples=EXAMPLES_PER_OPERATION)
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case):
                nonlocal calls
                if "slug" in (case.path_parameters or {}):
                    # Mostly the real project, so requests get past the 404 and into the views.
                    case.path_parameters["slug"] = project.slug
                crashes.clear()
                # Each case in a savepoint rolled back afterwards: the same rows every
                # time (POST /token/ rotates the very token the run uses).
                with transaction.atomic():
                    before = fingerprint()
                    response = case.call(app=app, headers=headers)
                    calls += 1
                    described = f"{case.method} {case.formatted_path} {case.query or ''} {str(getattr(case, 'body', ''))[:120]}"
                    if response.status_code >= 500:
                        crash = f" ({type(crashes[0]).__name__}: {crashes[0]})" if crashes else ""
                        failures.append(f"{described} → {response.status_code}{crash}: {response.text[:300]}")
                    elif response.status_code >= 400:
                        if not (response.headers.get("content-type") or [""])[0].startswith("application/json"):
                            failures.append(f"{described} → {response.status_code} not JSON: {response.text[:100]}")
                        changed = changed_tables(before, fingerprint())
                        if changed:
                            failures.append(f"{described} → {response.status_code} but wrote to {changed}")
                    transaction.set_rollback(True)

            try:
                probe()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.path  # nothing to get wrong in it
    print(f"schemathesis: {calls} requests over {len(list(schema.get_all_operations()))} operations")
    assert calls >= 100
    assert not failures, "\n".join(failures[:10])
