"""The training pages: who sees and does what, live progress over htmx, lineage."""
import pytest
from django.urls import reverse

from feedback.labelling.models import Role
from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, RunStatus, TrainingRun, TrainingSettings
from tests.support.labels import learnable_pair_labels


@pytest.fixture
def reviewer(make_user, project):
    return make_user("rita", project=project, role=Role.REVIEWER)


def url(name, project, *args):
    return reverse(f"loop:{name}", args=[project.slug, *args])


def test_annotators_cannot_see_training_pages_and_reviewers_cannot_act(client, project, annotators, reviewer):
    TrainingSettings.objects.create(project=project)
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.RUNNING)
    client.force_login(annotators[0])
    assert client.get(url("runs", project)).status_code == 403
    assert client.get(url("adapters", project)).status_code == 403
    client.force_login(reviewer)
    assert client.get(url("runs", project)).status_code == 200
    assert client.post(url("train_now", project)).status_code == 403
    assert client.post(url("cancel", project, run.pk)).status_code == 403
    assert client.post(url("rollback", project)).status_code == 403
    assert not TrainingRun.objects.filter(cancel_requested=True).exists()


def test_train_now_queues_one_run_and_refuses_a_second(client, project, admin_user, annotators, codebook,
                                                        django_capture_on_commit_callbacks):
    learnable_pair_labels(project, annotators, codebook, 5)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("train_now", project))
    run = TrainingRun.objects.get()
    assert response["Location"] == url("run", project, run.pk) and len(callbacks) == 1
    assert run.requested_by == admin_user and run.trigger == "manual"
    page = client.get(url("runs", project)).content.decode()
    assert "15 (a scheduled run waits for 50)" in page and "disabled" in page

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("train_now", project), follow=True)
    assert "already queued" in response.content.decode() and TrainingRun.objects.count() == 1


def test_run_page_polls_while_active_and_stops_when_done(client, project, admin_user):
    TrainingSettings.objects.create(project=project)
    run = TrainingRun.objects.create(
        project=project, algorithm="dpo", status=RunStatus.RUNNING, step=3, total_steps=10, phase="training",
        progress=[{"step": s, "loss": 0.7 - s / 20, "reward_accuracy": s / 4} for s in (1, 2, 3)],
    )
    client.force_login(admin_user)
    fragment = client.get(url("run", project, run.pk), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("{#") or fragment.lstrip().startswith("<section")
    assert 'hx-trigger="every 2s"' in fragment and 'aria-valuenow="30"' in fragment and "<svg" in fragment
    assert "<html" not in fragment and "Cancel" in fragment

    client.post(url("cancel", project, run.pk))
    run.refresh_from_db()
    assert run.cancel_requested
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, failure_reason="The trainer was killed by SIGKILL.")
    page = client.get(url("run", project, run.pk)).content.decode()
    assert "hx-trigger" not in page and "killed by SIGKILL" in page and "<html" in page


def test_adapters_page_shows_lineage_and_eval_and_admins_promote_and_roll_back(client, project, admin_user):
    v1 = AdapterVersion.objects.create(
        project=project, version=1, algorithm="dpo", base_model="demo", directory="a/1", weights_sha256="1" * 64,
        status=AdapterStatus.PROMOTED, eval_metrics={"new": {"preference_accuracy": 0.7, "mean_margin": 0.2, "rows": 9},
                                                     "base": {"preference_accuracy": 0.5, "mean_margin": 0.0, "rows": 9}},
    )
    v2 = AdapterVersion.objects.create(
        project=project, version=2, algorithm="dpo", base_model="demo", directory="a/2", weights_sha256="2" * 64,
        parent=v1, status=AdapterStatus.REJECTED, gate_reason="Held-out accuracy 0.650 does not beat v1",
        eval_metrics={"new": {"preference_accuracy": 0.65}, "v1": {"preference_accuracy": 0.7},
                      "base": {"preference_accuracy": 0.5}},
    )
    client.force_login(admin_user)
    page = client.get(url("adapters", project)).content.decode()
    assert 'href="#v1">v1</a>' in page and "v1 (promoted then)" in page and "0.650" in page and "does not beat v1" in page

    client.post(url("promote", project, v2.pk), {"note": "reviewers prefer its tone"})
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)
    assert AdapterEvent.objects.get(adapter=v2, action="promoted").actor == admin_user

    client.post(url("rollback", project), {"role": "policy", "note": "worse in production"})
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.PROMOTED, AdapterStatus.RETIRED)
    page = client.get(url("adapters", project)).content.decode()
    assert "worse in production" in page and "In use for new candidates: <strong>v1</strong>" in page
