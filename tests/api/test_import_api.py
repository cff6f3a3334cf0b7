"""POST /api/v1/projects/SLUG/prompts/import/: a JSON body for small imports, a
multipart file upload for large ones; the same checks, all or nothing."""
import json

import pytest
from django.test.client import encode_multipart

from feedback.labelling.models import Candidate, Prompt, Task
from tests.support.rows import sample_rows


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.slug}/prompts/import/"


def big_lines(n: int, *, width: int = 40_000) -> list[bytes]:
    """n lines of about 3 × width characters: few rows, many bytes."""
    return [
        json.dumps({"external_id": f"big-{i}", "prompt": f"{i} " + "p" * width, "kind": "pair",
                    "candidates": [{"text": "a" * width, "producer": "m-a"}, {"text": "b" * width, "producer": "m-b"}]}).encode() + b"\n"
        for i in range(n)
    ]


def post_file(api, url, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("prompts.jsonl", content)})
    return api.generic("POST", url, body, content_type="multipart/form-data; boundary=BoUnDaRy")


def stored():
    return Prompt.objects.count(), Candidate.objects.count(), Task.objects.count()


def test_a_9_mb_json_body_is_a_json_413_that_says_the_limit_and_the_way(api_as, admin_user, url):
    body = json.dumps({"items": [json.loads(row) for row in big_lines(75)]}).encode()
    assert len(body) > 9_000_000
    response = api_as(admin_user).generic("POST", url, body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert f"{len(body):,} bytes" in detail and "5.0 MB (5,242,880 bytes)" in detail
    assert "multipart/form-data, in a field named 'file' (up to 200.0 MB)" in detail
    assert response.json()["limit_bytes"] == 5 * 1024 * 1024


def test_a_large_import_goes_as_a_multipart_file_all_or_nothing(api_as, admin_user, url, settings):
    lines = big_lines(75)
    content = b"".join(lines)
    assert len(content) > 9_000_000 > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # streamed to a temporary file
    api = api_as(admin_user)
    bad = post_file(api, url, content + b'{"external_id": "last", "prompt": "", "candidates": []}\n')
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"item": 76, "reason": "prompt is empty"}]
    assert stored() == (0, 0, 0)  # the batches written before line 76 were rolled back
    good = post_file(api, url, content)
    assert good.status_code == 201 and good.json() == {"items": 75, "prompts_created": 75, "candidates_created": 150, "tasks_created": 75}
    assert post_file(api, url, content).status_code == 200 and stored() == (75, 150, 75)


def test_a_multipart_body_without_the_file_says_what_is_missing(api_as, admin_user, url):
    response = api_as(admin_user).post(url, {"items": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_deep_nesting_is_a_400_in_a_json_body_and_a_line_error_in_a_file(api_as, admin_user, url):
    api = api_as(admin_user)
    deep = "[" * 5000 + "]" * 5000
    body = '{"items": [{"external_id": "d", "prompt": "Q?", "metadata": {"x": ' + deep + "}}]}"
    response = api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400 and "nested deeper than 64 levels" in response.json()["detail"]
    shallow_enough_to_decode = "[" * 200 + "]" * 200
    line = '{"external_id": "d", "prompt": "Q?", "metadata": {"x": ' + shallow_enough_to_decode + "}}\n"
    response = post_file(api, url, line.encode())
    assert response.status_code == 400
    assert response.json()["errors"] == [{"item": 1, "reason": "metadata.x[0][0][0][0]… is nested deeper than 64 levels"}]
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_a_json_body_are_a_400_naming_the_place(api_as, admin_user, url, number):
    row = json.dumps(sample_rows(2)).replace("0.7", number, 1)
    response = api_as(admin_user).generic("POST", url, '{"items": ' + row + "}", content_type="application/json")
    assert response.status_code == 400
    assert "items[0].candidates[0].sampling.temperature is" in response.json()["detail"]
    assert stored() == (0, 0, 0)


def test_a_file_with_a_bom_bad_bytes_and_several_problems_per_line(api_as, admin_user, url):
    content = (b"\xef\xbb\xbf" + json.dumps(sample_rows(1)[0]).encode() + b"\n"
               + b'{"external_id": "caf\xe9", "prompt": "", "kind": "essay"}\n')
    response = post_file(api_as(admin_user), url, content)
    assert response.status_code == 400
    assert [(e["item"], e["reason"].split(":")[0]) for e in response.json()["errors"]] == [
        (2, "not UTF-8 text"), (2, "prompt is empty"), (2, "kind 'essay' is not one of thumbs, pair, rank, rate, turns")]
    assert "offset 20 of the line" in response.json()["errors"][0]["reason"]
