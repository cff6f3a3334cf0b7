"""The training pages: who sees and does what, live progress over htmx, lineage."""
import pytest
from django.urls import reverse

from feedback.labelling.models import Role
from feedback.loop.models import (
    AdapterEvent, AdapterStatus, AdapterVersion, GenerationRound, RunStatus, TrainingRun, TrainingSettings,
)
from feedback.loop.services.gate import GateRule, gate_apply
from feedback.loop.services.rounds import round_config
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
    assert "at least 30 held-out pairs, and a gain over the base and the promoted adapter whose 95% lower bound" in page

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("train_now", project), follow=True)
    assert "already queued" in response.content.decode() and TrainingRun.objects.count() == 1


@pytest.mark.parametrize("adapter", ["v1", "1.5", "99999999999999999999999"])
def test_generate_with_an_adapter_that_is_not_an_id_is_refused_with_a_message(client, project, admin_user, adapter):
    client.force_login(admin_user)
    response = client.post(url("generate", project), {"adapter": adapter, "prompts": "4"}, follow=True)
    assert response.status_code == 200 and "no such adapter" in response.content.decode()
    assert not project.generation_rounds.exists()


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
    # Adapters evaluated before per-pair outcomes were kept still show, with their old numbers.
    page = client.get(url("adapters", project)).content.decode()
    assert 'href="#v1">v1</a>' in page and "v1 (promoted then)" in page and "0.650" in page and "does not beat v1" in page
    assert "predates per-pair outcomes" in page

    confirm_promotion(client, project, v2, "reviewers prefer its tone")
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)
    assert AdapterEvent.objects.get(adapter=v2, action="promoted").actor == admin_user

    client.post(url("rollback", project), {"role": "policy", "note": "worse in production", "confirm": "yes"})
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.PROMOTED, AdapterStatus.RETIRED)
    page = client.get(url("adapters", project)).content.decode()
    assert "worse in production" in page and "In use for new candidates: <strong>v1</strong>" in page


def confirm_promotion(client, project, adapter, note):
    """What an admin does: Promote… on the list, then the confirmation page's button."""
    page = client.get(url("adapters", project)).content.decode()
    assert f'href="{url("promote", project, adapter.pk)}"' in page
    form = client.get(url("promote", project, adapter.pk)).content.decode()
    assert 'name="confirm" value="yes"' in form
    return client.post(url("promote", project, adapter.pk), {"note": note, "confirm": "yes"})


def scored(right, pairs):
    outcome = "1" * right + "0" * (pairs - right)
    return {"preference_accuracy": right / pairs, "preference_outcomes": outcome, "rows": pairs,
            "implicit_reward_accuracy": right / pairs, "implicit_reward_outcomes": outcome}


@pytest.fixture
def refused(project):
    """v1 promoted; v2 refused by the gate for want of held-out pairs."""
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.SUCCEEDED,
                                     config={"promotion_margin": 0.0, "min_heldout_pairs": 30})
    v1 = AdapterVersion.objects.create(project=project, version=1, algorithm="dpo", base_model="demo", directory="a/1",
                                       weights_sha256="1" * 64, status=AdapterStatus.PROMOTED,
                                       eval_metrics={"new": scored(8, 10), "base": scored(5, 10)})
    v2 = AdapterVersion.objects.create(project=project, version=2, algorithm="dpo", base_model="demo", directory="a/2",
                                       weights_sha256="2" * 64, parent=v1, run=run,
                                       eval_metrics={"new": scored(12, 12), "v1": scored(9, 12), "base": scored(6, 12)})
    gate_apply(adapter=v2, rule=GateRule.of_run(run.config))
    v2.refresh_from_db()
    assert v2.status == AdapterStatus.REJECTED
    return v1, v2


def test_the_adapter_page_shows_the_interval_and_the_reason_in_words(client, project, reviewer, refused):
    _, v2 = refused
    client.force_login(reviewer)
    page = client.get(url("adapters", project)).content.decode()
    assert "Not enough held-out data (12 of 30 pairs)" in page
    assert "v2 ranks <strong>12 of 12</strong> held-out pairs right" in page
    assert "at least 0.779 with 95% confidence" in page  # 0.05 ** (1/12)
    assert "Fewer pairs than the 30 the gate needs" in page
    assert "Against v1, the promoted adapter (0.750): gain <strong>+0.250</strong>" in page
    assert "3 pairs only v2 ranks right, 0 only its rival" in page
    assert 'class="chart-interval' in page and "margin 0" in page  # the picture of each lower bound
    assert "Promote…" not in page  # reviewers see, admins act


def test_promote_and_roll_back_change_nothing_until_confirmed(client, project, admin_user, refused):
    v1, v2 = refused
    client.force_login(admin_user)
    before = AdapterEvent.objects.count()

    page = client.get(url("promote", project, v2.pk)).content.decode()
    assert "Promote v2?" in page and "in place of <strong>v1</strong>, which would be retired" in page
    assert "Not enough held-out data (12 of 30 pairs)" in page  # what the gate said, before deciding
    answer = client.post(url("promote", project, v2.pk), {"note": "looks fine"})  # no confirm: the old one-click form
    assert answer.status_code == 200 and "Nothing was changed" in answer.content.decode()
    assert "looks fine" in answer.content.decode()  # the note is kept for the confirming press
    page = client.get(url("rollback", project) + "?role=policy").content.decode()
    assert "Roll back v1?" in page and "the base model" in page
    client.post(url("rollback", project), {"role": "policy", "note": "oops"})
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.PROMOTED, AdapterStatus.REJECTED)
    assert AdapterEvent.objects.count() == before

    client.post(url("promote", project, v2.pk), {"note": "the reviewers read 40 answers: better", "confirm": "yes"})
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)
    # The gate's reason is kept as the gate wrote it; the admin's note stands beside it.
    assert v2.gate_reason.startswith("Not enough held-out data (12 of 30 pairs)")
    page = client.get(url("adapters", project)).content.decode()
    assert "<dt>Promoted by hand</dt><dd>by ada" in page and "the reviewers read 40 answers: better" in page
    assert "Not enough held-out data (12 of 30 pairs)" in page

    page = client.get(url("rollback", project) + "?role=policy").content.decode()
    assert "new candidates would come from <strong>v1</strong> again" in page


def test_a_round_page_says_what_it_is_doing_and_admins_cancel_it(client, project, admin_user, reviewer):
    generation = GenerationRound.objects.create(project=project, config=round_config(pairing="samples"))
    client.force_login(reviewer)
    page = client.get(url("round", project, generation.pk)).content.decode()
    assert "waiting for the training worker" in page and "0 / ?" not in page
    assert url("round_cancel", project, generation.pk) not in page  # reviewers see, admins act
    assert client.post(url("round_cancel", project, generation.pk)).status_code == 403

    GenerationRound.objects.filter(pk=generation.pk).update(status=RunStatus.RUNNING, phase="loading")
    client.force_login(admin_user)
    fragment = client.get(url("round", project, generation.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "starting: loading the model" in fragment and 'hx-trigger="every 2s"' in fragment
    assert f'action="{url("round_cancel", project, generation.pk)}"' in fragment

    response = client.post(url("round_cancel", project, generation.pk), follow=True)
    generation.refresh_from_db()
    assert generation.cancel_requested and generation.status == RunStatus.RUNNING  # its worker stops the generator
    assert "stopping the generator" in response.content.decode()
    GenerationRound.objects.filter(pk=generation.pk).update(
        status=RunStatus.CANCELLED, failure_reason="Cancelled by a person; the generator was stopped.")
    page = client.get(url("round", project, generation.pk)).content.decode()
    assert "hx-trigger" not in page and "Cancelled by a person" in page
