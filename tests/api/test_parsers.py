"""API bodies the server cannot hold are a 400 that says why: JSON nested 1,000+ deep
(a RecursionError before), numbers past a float (1e999), NaN, and strings with NUL or
an unpaired surrogate (which Postgres or UTF-8 refuse) — in a JSON body or as JSON
text in a form field. Nothing is stored."""
import json
import uuid

import pytest

from feedback.labelling.models import Label
from feedback.labelling.services.assignments import assignment_next
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)


@pytest.fixture
def lease(project, annotators, tasks_of):
    tasks_of("pair", 2)
    return assignment_next(project=project, user=annotators[0])


def submit_url(project, lease) -> str:
    return f"/api/v1/projects/{project.slug}/assignments/{lease.pk}/submit/"


def body(answer) -> dict:
    return {"answer": answer, "submission_id": str(uuid.uuid4()), "time_spent_ms": 900}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_submit_nested_past_the_recursion_limit_is_a_400(api_as, project, annotators, lease, depth):
    raw = '{"answer": ' + nested(depth) + f', "submission_id": "{uuid.uuid4()}", "time_spent_ms": 5}}'
    response = api_as(annotators[0]).post(submit_url(project, lease), raw, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 64 levels" in response.json()["detail"]
    assert not Label.objects.exists()


def test_nesting_past_the_bound_is_named_where_it_happens(api_as, project, annotators, lease):
    client = api_as(annotators[0])
    deep = client.post(submit_url(project, lease), body({"choice": json.loads(nested(70))}), format="json")
    assert deep.status_code == 400
    assert deep.json()["detail"].startswith("JSON parse error - answer.choice[0][0][0][0]")
    assert "is nested deeper than 64 levels" in deep.json()["detail"]
    ok = client.post(submit_url(project, lease), body({"choice": "A", "strength": None}), format="json")
    assert ok.status_code == 201


@pytest.mark.parametrize("raw, says", [
    (b'{"answer": {"choice": "A", "strength": NaN}}', "answer.strength is NaN"),
    (b'{"answer": {"choice": "A", "strength": -Infinity}}', "answer.strength is -Infinity"),
    (b'{"answer": {"choice": "A", "strength": 1e999}}', "answer.strength is Infinity (or too large a number)"),
    (b'{"answer": {"choice": "A\\u0000"}}', "answer.choice contains a NUL character (\\u0000)"),
    (b'{"answer": {"thumbs": {"\\ud800": "up"}}}', "in answer.thumbs contains an unpaired surrogate (\\ud800)"),
    (b'{"comment": "x\\udfff"}', "comment contains an unpaired surrogate (\\udfff)"),
    (b'{"answer": "\xff"}', "JSON parse error - the body is not utf-8 text (byte offset 12)"),
])
def test_values_no_column_can_hold_are_a_400_naming_them(api_as, project, annotators, lease, raw, says):
    response = api_as(annotators[0]).post(submit_url(project, lease), raw, content_type="application/json")
    assert response.status_code == 400 and says in response.json()["detail"]
    assert not Label.objects.exists()


def test_json_text_in_a_form_field_is_bounded_the_same_way(api_as, project, annotators, lease):
    client = api_as(annotators[0])
    fields = {"submission_id": str(uuid.uuid4()), "time_spent_ms": "5"}
    deep = client.post(submit_url(project, lease), {**fields, "answer": nested(5_000)})
    assert deep.status_code == 400
    assert deep.json() == {"answer": ["JSON not accepted: nested deeper than 64 levels."]}
    huge = client.post(submit_url(project, lease), {**fields, "answer": '{"choice": "A", "strength": 1e999}'})
    assert huge.status_code == 400
    assert huge.json()["answer"][0].startswith("JSON not accepted: strength is Infinity (or too large a number)")
    plain = client.post(submit_url(project, lease), {**fields, "answer": json.dumps({"choice": "B", "strength": None})})
    assert plain.status_code == 201 and Label.objects.get().answer == {"choice": "B", "strength": None}


def test_an_import_nested_deep_is_refused_before_the_importer_sees_it(api_as, project, admin_user):
    items = '{"items": [' + nested(3_000) + "]}"
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/prompts/import/", items,
                                       content_type="application/json")
    assert response.status_code == 400 and "nested deeper than 64 levels" in response.json()["detail"]
    assert not project.prompts.exists()
