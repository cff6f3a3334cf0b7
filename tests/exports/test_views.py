"""The Export page: reviewers and admins only; counts and manifest before the download;
the download is the API's stream, pinned to the label set the page counted; bad
choices are a 400 with the message, never a file or a 500; admins save snapshots."""
import hashlib
import json
import re

import pytest
from django.urls import reverse

from feedback.exports.models import Snapshot


@pytest.fixture
def urls(project):
    return {name: reverse(f"exports:{name}", args=[project.slug]) for name in ("export", "download", "snapshot")}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_annotators_and_outsiders_cannot_export(client, known_labels, urls, make_user):
    annotator = known_labels["users"][0]
    client.force_login(annotator)
    assert client.get(urls["export"]).status_code == 403
    assert client.get(urls["export"] + "?dataset=raw").status_code == 403
    assert client.get(urls["download"] + "?dataset=raw").status_code == 403
    assert client.post(urls["snapshot"], {"dataset": "preference"}).status_code == 403
    client.force_login(make_user("stranger"))
    assert client.get(urls["export"]).status_code == 404
    client.logout()
    assert client.get(urls["download"])["Location"].startswith(reverse("login"))
    assert not Snapshot.objects.exists()


def test_the_page_counts_then_downloads_exactly_those_rows(client, known_labels, urls, reviewer):
    client.force_login(reviewer)
    empty = client.get(urls["export"]).content.decode()
    assert "press Preview" in empty and 'data-testid="rows-total"' not in empty
    page = client.get(urls["export"] + "?dataset=preference&form=text&format=jsonl&columns=agreement")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'data-testid="rows-total">5<', html)
    manifest = json.loads(re.search(r'data-testid="manifest">(.*?)</pre>', html, re.S).group(1).replace("&quot;", '"'))
    assert manifest["rows_total"] == 5 and manifest["form"] == "text" and manifest["columns"] == ["agreement"]
    download = re.search(r'href="([^"]*/export/download/\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert f"max_label_id={manifest['max_label_id']}" in download
    response = client.get(download)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="{known_labels["task"]["rank"].project.slug}-preference.jsonl"'
    data = body_of(response)
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert len(rows) == 5 and {"prompt", "chosen", "rejected", "agreement"} <= set(rows[0])
    assert isinstance(rows[0]["prompt"], str)  # the text form
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]


def test_htmx_gets_only_the_preview(client, known_labels, urls, reviewer):
    client.force_login(reviewer)
    response = client.get(urls["export"] + "?dataset=unpaired", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section class="card stack" id="export-preview"')
    assert re.search(r'data-testid="rows-total">4<', html)


@pytest.mark.parametrize("query,message", [
    ("dataset=nope", "dataset: one of preference, unpaired, sft, ratings, raw"),
    ("format=csv", "format: one of jsonl, parquet, datasets"),
    ("min_agreement=2", "min_agreement: a number between 0 and 1"),
    ("min_agreement=x", "min_agreement: a number between 0 and 1"),
    ("since=2020-02-30", "since: &#x27;2020-02-30&#x27; is not a real date"),
    ("tier=wizard", "tier: unknown wizard"),
    ("columns=secret", "columns: unknown secret"),
    ("codebook_version=v1", "codebook_version: whole numbers"),
    ("max_label_id=99999999999999999999", "max_label_id: numbers from 0 to"),
])
def test_bad_choices_are_a_400_with_the_message(client, known_labels, urls, reviewer, query, message):
    client.force_login(reviewer)
    for url in (urls["export"], urls["download"]):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()
    htmx = client.get(f"{urls['export']}?{query}", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and message in htmx.content.decode()  # htmx swaps in 2xx only


def test_admins_save_a_snapshot_of_what_they_previewed(client, known_labels, urls, reviewer, admin_user):
    choices = {"dataset": "preference", "split": "train", "min_agreement": "0.9", "max_label_id": "999"}
    client.force_login(reviewer)
    assert client.post(urls["snapshot"], choices).status_code == 403
    assert "Save as snapshot" not in client.get(urls["export"] + "?dataset=preference").content.decode()
    client.force_login(admin_user)
    assert "Save as snapshot" in client.get(urls["export"] + "?dataset=preference").content.decode()
    assert "Save as snapshot" not in client.get(urls["export"] + "?dataset=raw").content.decode()
    response = client.post(urls["snapshot"], choices)
    assert response.status_code == 302 and response["Location"].startswith(urls["export"] + "?dataset=preference")
    snapshot = Snapshot.objects.get()
    assert snapshot.filters["split"] == "train" and snapshot.filters["min_agreement"] == 0.9
    assert snapshot.filters["max_label_id"] == 999 and snapshot.created_by == admin_user
    page = client.get(response["Location"]).content.decode()
    assert f"Snapshot {snapshot.pk} saved" in page and 'data-testid="snapshots"' in page

    for bad, message in [({"dataset": "raw"}, "a snapshot is one of preference, unpaired, sft"),
                         ({"dataset": "preference", "tier": "wizard"}, "tier: unknown wizard")]:
        response = client.post(urls["snapshot"], bad)
        assert response.status_code == 400 and message in response.content.decode()
    assert Snapshot.objects.count() == 1


def test_parquet_and_datasets_downloads_hold_the_counted_rows(client, known_labels, urls, reviewer):
    import io
    import zipfile

    import pyarrow.parquet as pq

    client.force_login(reviewer)
    query = "?dataset=unpaired&format=parquet"
    html = client.get(urls["export"] + query).content.decode()
    assert re.search(r'data-testid="rows-total">4<', html)
    parquet = body_of(client.get(urls["download"] + query))
    assert pq.read_table(io.BytesIO(parquet)).num_rows == 4
    archive = zipfile.ZipFile(io.BytesIO(body_of(client.get(urls["download"] + "?dataset=unpaired&format=datasets"))))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["rows_total"] == 4 and manifest["format"] == "datasets"
