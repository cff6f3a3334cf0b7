"""Label over the API exactly like the web page does."""
import uuid

import pytest

from feedback.labelling.models import Assignment, Label
from feedback.labelling.services.codebooks import codebook_publish


def submit(client, slug, assignment, answer, sid=None, **extra):
    body = {"answer": answer, "submission_id": str(sid or uuid.uuid4()), "time_spent_ms": 1500, **extra}
    return client.post(f"/api/v1/projects/{slug}/assignments/{assignment}/submit/?next=true", body, format="json")


def test_token_required(client, project):
    assert client.post(f"/api/v1/projects/{project.slug}/next/").status_code in (401, 403)


def test_next_submit_next_until_done(api_as, annotators, project, tasks_of):
    tasks_of("rank", 2)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    assert task["task"]["kind"] == "rank" and len(task["candidates"]) == 3
    shown = [c["position"] for c in task["candidates"]]
    response = submit(api, project.slug, task["assignment"], {"order": shown}, keep_shown_order=True)
    assert response.status_code == 201
    body = response.json()
    assert body["label"]["answer"] == {"order": shown}
    assert body["label"]["shown_order"] == shown
    assert body["label"]["codebook_version"] == 1
    second = body["next"]
    assert second["assignment"] != task["assignment"]
    body = submit(api, project.slug, second["assignment"], {"order": [0, 1, 2]}, keep_shown_order=True).json()
    assert body["next"] is None
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code == 204


def test_resubmit_is_idempotent(api_as, annotators, project, tasks_of):
    tasks_of("pair", 2)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    sid = uuid.uuid4()
    first = submit(api, project.slug, task["assignment"], {"choice": "A"}, sid)
    again = submit(api, project.slug, task["assignment"], {"choice": "A"}, sid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["label"]["id"] == again.json()["label"]["id"]
    assert Label.objects.count() == 1


@pytest.mark.parametrize(
    "answer,message",
    [({"choice": "C"}, "Choose A, B"), ({"thumbs": {}}, "Choose A, B"), ("A", "must be an object")],
)
def test_bad_answers_are_400_with_a_message(api_as, annotators, project, tasks_of, answer, message):
    tasks_of("pair", 1)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    response = submit(api, project.slug, task["assignment"], answer)
    assert response.status_code == 400 and message in response.json()["detail"]


@pytest.mark.parametrize("order", [[0, "1", 2], [None, 1, 2], [[0], 1, 2], [0, True, 2], [0, 1.0, 2], [0, 1, 2**70]])
def test_unorderable_ranks_are_400_with_a_message(api_as, annotators, project, tasks_of, order):
    tasks_of("rank", 1)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    response = submit(api, project.slug, task["assignment"], {"order": order})
    assert response.status_code == 400 and '"order" lists the positions 0 to 2' in response.json()["detail"]
    assert not Label.objects.exists()


def test_an_untouched_rank_needs_keep_shown_order(api_as, annotators, project, tasks_of):
    tasks_of("rank", 1)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    shown = [c["position"] for c in task["candidates"]]
    assert "keep_shown_order" in task["answer_format"]
    refused = submit(api, project.slug, task["assignment"], {"order": shown})
    assert refused.status_code == 400 and '"keep_shown_order": true' in refused.json()["detail"]
    assert not Label.objects.exists()
    assert Assignment.objects.get(pk=task["assignment"]).status == "leased"
    kept = submit(api, project.slug, task["assignment"], {"order": shown}, keep_shown_order=True)
    assert kept.status_code == 201 and kept.json()["label"]["answer"] == {"order": shown}


def test_a_submission_id_reused_for_another_assignment_is_409(api_as, annotators, project, tasks_of):
    project.gold_rate = 0
    project.save()
    tasks_of("pair", 2)
    api, sid = api_as(annotators[0]), uuid.uuid4()
    first = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    second = submit(api, project.slug, first["assignment"], {"choice": "A"}, sid).json()["next"]
    reused = submit(api, project.slug, second["assignment"], {"choice": "B"}, sid)
    assert reused.status_code == 409 and "already used for another task" in reused.json()["detail"]
    assert Assignment.objects.get(pk=second["assignment"]).status == "leased" and Label.objects.count() == 1
    assert submit(api, project.slug, first["assignment"], {"choice": "A"}, sid).status_code == 200  # a retry
    assert submit(api, project.slug, second["assignment"], {"choice": "B"}).status_code == 201  # a fresh id
    assert Label.objects.count() == 2


def test_malformed_bodies_are_400_not_500(api_as, annotators, project, tasks_of):
    tasks_of("pair", 1)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    url = f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/submit/"
    assert api.post(url, "{oops", content_type="application/json").status_code == 400
    response = api.post(url, {"answer": {"choice": "A"}, "submission_id": "nope", "time_spent_ms": -1}, format="json")
    assert response.status_code == 400 and {"submission_id", "time_spent_ms"} <= set(response.json())


def test_someone_elses_assignment_is_404(api_as, annotators, project, tasks_of):
    tasks_of("pair", 1)
    task = api_as(annotators[0]).post(f"/api/v1/projects/{project.slug}/next/").json()
    response = submit(api_as(annotators[1]), project.slug, task["assignment"], {"choice": "A"})
    assert response.status_code == 404


def test_unacknowledged_codebook_is_409_until_acknowledged(api_as, annotators, admin_user, project, tasks_of):
    tasks_of("pair", 1)
    codebook_publish(project=project, text="v2 rules", author=admin_user)
    api = api_as(annotators[0])
    response = api.post(f"/api/v1/projects/{project.slug}/next/")
    assert response.status_code == 409 and "v2" in response.json()["detail"]
    assert api.post(f"/api/v1/projects/{project.slug}/codebooks/acknowledge/").json() == {"acknowledged": 2}
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code == 200


def test_submit_with_next_leases_nothing_new_until_a_changed_codebook_is_acknowledged(
    api_as, annotators, admin_user, project, tasks_of
):
    tasks_of("pair", 3)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    codebook_publish(project=project, text="v2 rules", author=admin_user)
    # Given under v1, which the annotator saw: stored. The next task waits for v2.
    response = submit(api, project.slug, task["assignment"], {"choice": "A"}, codebook_version=1)
    body = response.json()
    assert response.status_code == 201 and body["label"]["codebook_version"] == 1
    assert body["next"] is None and "v2" in body["next_refused"] and "acknowledge" in body["next_refused"]
    assert Assignment.objects.filter(annotator=annotators[0]).count() == 1
    api.post(f"/api/v1/projects/{project.slug}/codebooks/acknowledge/")
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    body = submit(api, project.slug, task["assignment"], {"choice": "B"}).json()
    assert body["label"]["codebook_version"] == 2 and body["next"]["assignment"] and "next_refused" not in body


def test_skip(api_as, annotators, project, tasks_of):
    tasks_of("pair", 1)
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    response = api.post(f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/skip/")
    assert response.json()["status"] == "skipped"
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code == 204


def test_oversized_body_is_413(api_as, annotators, project, settings):
    settings.API_MAX_BODY_BYTES = 100
    api = api_as(annotators[0])
    response = api.post(f"/api/v1/projects/{project.slug}/next/", {"pad": "x" * 500}, format="json")
    assert response.status_code == 413 and "too large" in response.json()["detail"]
