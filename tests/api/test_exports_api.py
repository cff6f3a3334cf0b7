"""Export downloads and snapshots over the API."""
import hashlib
import io
import json
import zipfile

import pytest

from tests.support.known_labels import known_labels  # noqa: F401  (fixture)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_streaming_jsonl_matches_its_manifest(api_as, project, known_labels, admin_user):  # noqa: F811
    api = api_as(admin_user)
    response = api.get(f"/api/v1/projects/{project.slug}/export/?dataset=preference&columns=agreement")
    assert response.status_code == 200 and response.streaming
    data = body_of(response)
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert len(rows) == 5 and "agreement" in rows[0]
    pinned = response["X-Export-Max-Label-Id"]
    manifest = api.get(f"/api/v1/projects/{project.slug}/export/manifest/?dataset=preference&columns=agreement&max_label_id={pinned}").json()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["rows_total"] == 5


def test_parquet_and_datasets_downloads(api_as, project, known_labels, admin_user):  # noqa: F811
    import pyarrow.parquet as pq

    api = api_as(admin_user)
    parquet = body_of(api.get(f"/api/v1/projects/{project.slug}/export/?dataset=unpaired&format=parquet"))
    assert pq.read_table(io.BytesIO(parquet)).num_rows == 4
    archive = zipfile.ZipFile(io.BytesIO(body_of(api.get(f"/api/v1/projects/{project.slug}/export/?format=datasets"))))
    assert {"manifest.json", "dataset_info.json", "state.json"} <= set(archive.namelist())


@pytest.mark.parametrize("query,field", [("dataset=nope", "dataset"), ("format=csv", "format"), ("min_agreement=x", "min_agreement"),
                                         ("split=test", "split"), ("since=yesterday", "since"), ("columns=secret", "columns")])
def test_bad_export_parameters_are_400(api_as, project, known_labels, admin_user, query, field):  # noqa: F811
    response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/export/?{query}")
    assert response.status_code == 400 and field in json.dumps(response.json())


def test_annotators_cannot_export(api_as, project, known_labels):  # noqa: F811
    annotator = known_labels["users"][0]
    assert api_as(annotator).get(f"/api/v1/projects/{project.slug}/export/").status_code == 403


def test_snapshots_over_the_api(api_as, project, known_labels, admin_user, reviewer, settings, tmp_path):  # noqa: F811
    settings.ARTIFACTS_DIR = tmp_path
    url = f"/api/v1/projects/{project.slug}/snapshots/"
    assert api_as(reviewer).post(url, {"dataset": "preference"}, format="json").status_code == 403
    created = api_as(admin_user).post(url, {"dataset": "preference", "filters": {"min_agreement": 0.9}}, format="json")
    assert created.status_code == 201
    snapshot = created.json()
    assert snapshot["filters"]["min_agreement"] == 0.9
    listed = api_as(reviewer).get(url).json()["results"]
    assert [s["id"] for s in listed] == [snapshot["id"]]
    train = body_of(api_as(reviewer).get(f"{url}{snapshot['id']}/train.jsonl"))
    assert len(train.splitlines()) == snapshot["row_counts"].get("train", 0)
    assert api_as(reviewer).get(f"{url}{snapshot['id']}/..%2Fsecret").status_code == 404
    bad = api_as(admin_user).post(url, {"dataset": "preference", "filters": {"tier": "wizard"}}, format="json")
    assert bad.status_code == 400
