"""Numbers from forms, query strings and API bodies are bounded by the column they
reach (feedback.bounds): past it they are refused with a message or match nothing,
never an OverflowError (SQLite) or "out of range" (Postgres)."""
import uuid

import pytest
from django.urls import reverse

from feedback.bounds import BIGINT_MAX, INT_MAX, whole_number
from feedback.labelling.models import Label
from feedback.labelling.services.assignments import assignment_next
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)


def test_whole_number_takes_ascii_digits_up_to_the_maximum():
    assert whole_number("0") == 0 and whole_number(str(BIGINT_MAX)) == BIGINT_MAX
    for text in (str(BIGINT_MAX + 1), "9" * 5000, "²", "٣", "-1", "+1", " 1", "1.0", ""):
        assert whole_number(text) is None, text
    assert whole_number(str(INT_MAX + 1), INT_MAX) is None


@pytest.fixture
def lease(project, annotators, tasks_of):
    tasks_of("pair", 1)
    return assignment_next(project=project, user=annotators[0])


@pytest.mark.parametrize("version", [str(2**63), str(2**31), "-3"])
def test_the_label_page_refuses_a_codebook_version_no_column_holds(client, project, annotators, lease, version):
    client.force_login(annotators[0])
    response = client.post(reverse("labelling:submit", args=[project.slug, lease.pk]), {
        "submission_id": str(uuid.uuid4()), "choice": "A", "codebook_version": version, "time_spent_ms": "900"})
    assert response.status_code == 400
    assert "This project has no such codebook version to label under." in response.content.decode()
    assert not Label.objects.exists()


@pytest.mark.parametrize("version", [2**63, 2**31])
def test_the_api_refuses_a_codebook_version_no_column_holds(client, project, annotators, lease, version):
    client.force_login(annotators[0])
    response = client.post(
        f"/api/v1/projects/{project.slug}/assignments/{lease.pk}/submit/",
        {"answer": {"choice": "A", "strength": None}, "submission_id": str(uuid.uuid4()), "time_spent_ms": 900,
         "codebook_version": version}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"codebook_version": ["Ensure this value is less than or equal to 2147483647."]}
    assert not Label.objects.exists()


def test_task_numbers_past_the_id_column_are_refused_on_the_gold_page(client, project, admin_user, codebook):
    client.force_login(admin_user)
    calibrate = reverse("quality:calibration_add", args=[project.slug])
    response = client.post(calibrate, {"task_ids": f"1, {2**63}"}, follow=True)
    assert "Give task numbers" in response.content.decode() and not codebook.calibration_tasks.exists()
    gold = client.get(reverse("quality:gold", args=[project.slug]), {"task": str(2**63)})
    assert gold.status_code == 200  # not a task number: the gold page itself


def test_label_and_export_filters_refuse_versions_past_the_column(client, project, admin_user):
    client.force_login(admin_user)
    for url in (f"/api/v1/projects/{project.slug}/labels/", f"/api/v1/projects/{project.slug}/export/"):
        response = client.get(url, {"codebook_version": str(2**63)})
        assert response.status_code == 400 and "numbers from 0 to 2147483647" in response.content.decode(), url
