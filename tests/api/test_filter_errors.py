"""Export and label filters from the API, parsed by the one date parser: a date that
does not exist is a 400 naming the parameter; 9999-12-31 as `until` is an open end;
a snapshot's filters of the wrong type are a 400, not a crash."""
import json

import pytest

from feedback.exports.models import Snapshot
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)


@pytest.mark.parametrize("endpoint", ["labels/", "export/", "export/manifest/"])
@pytest.mark.parametrize("query, says", [
    ("since=2020-13-45", "since: '2020-13-45' is not a real date (month must be in 1..12)"),
    ("until=2020-02-30", "until: '2020-02-30' is not a real date (day is out of range for month)"),
    ("since=9999-12-31T23:00:00-05:00", "since: '9999-12-31T23:00:00-05:00' is out of range"),
])
def test_dates_that_do_not_exist_are_a_400(api_as, project, admin_user, endpoint, query, says):
    response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/{endpoint}?{query}")
    assert response.status_code == 400 and says in response.content.decode()


@pytest.mark.parametrize("endpoint", ["labels/", "export/manifest/"])
def test_the_last_day_there_is_as_until_is_an_open_end(api_as, project, admin_user, endpoint):
    for until in ("9999-12-31", "9999-12-31T23:59:59-05:00"):
        response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/{endpoint}", {"until": until})
        assert response.status_code == 200, until


@pytest.mark.parametrize("filters, says", [
    ({"since": {"a": 1}}, "since: a string, a number, or a list of them."),
    ({"columns": 5}, "unknown"),
    ({"min_agreement": [0.5]}, "min_agreement: a number between 0 and 1"),
    ({"since": "2020-02-30"}, "since: '2020-02-30' is not a real date"),
])
def test_snapshot_filters_of_the_wrong_type_are_a_400(api_as, project, admin_user, filters, says):
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/snapshots/", {"filters": filters},
                                       format="json")
    assert response.status_code == 400 and says in response.content.decode()
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize("endpoint, query, parameter, says", [
    ("labels/", "kind=essay", "kind", "kind: one of thumbs, pair, rank, rate, turns"),
    ("labels/", "codebook_version=1,x", "codebook_version", "codebook_version: whole numbers, comma-separated"),
    ("labels/", "since=2020-13-45", "since", "since: '2020-13-45' is not a real date (month must be in 1..12)"),
    ("tasks/", "kind=essay", "kind", "kind: one of thumbs, pair, rank, rate, turns"),
    ("tasks/", "is_gold=maybe", "is_gold", "is_gold: true or false"),
    ("prompts/", "split=test", "split", "split: one of train, heldout"),
])
def test_list_filters_refuse_unknown_values_with_a_message_per_parameter(api_as, project, admin_user, endpoint,
                                                                        query, parameter, says):
    response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/{endpoint}?{query}")
    assert response.status_code == 400 and response.json() == {parameter: says}


def test_list_filters_keep_their_meaning(api_as, project, admin_user, tasks_of):
    api = api_as(admin_user)
    tasks_of("pair", 2)
    url = f"/api/v1/projects/{project.slug}"
    assert api.get(f"{url}/tasks/?kind=pair&is_gold=false").json()["count"] == 2
    assert api.get(f"{url}/tasks/?kind=rank").json()["count"] == 0
    assert api.get(f"{url}/tasks/?is_gold=true").json()["count"] == 0
    assert api.get(f"{url}/tasks/?is_gold=").json()["count"] == 2  # empty: no filter, as before
    splits = [prompt["split"] for prompt in api.get(f"{url}/prompts/").json()["results"]]
    for split in ("train", "heldout"):
        assert api.get(f"{url}/prompts/?split={split}").json()["count"] == splits.count(split)


def test_the_schema_documents_the_list_filters_from_their_filtersets(client, make_user):
    client.force_login(make_user("doc"))
    paths = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)["paths"]
    names = {path: {p["name"] for p in paths[f"/api/v1/projects/{{slug}}/{path}/"]["get"]["parameters"]}
             for path in ("labels", "tasks", "prompts")}
    assert {"codebook_version", "annotator", "kind", "since", "until"} <= names["labels"]
    assert {"kind", "is_gold"} <= names["tasks"] and "split" in names["prompts"]
