"""An admin reads the gate's evidence on the Adapters page in Chromium, promotes a refused
adapter by hand through the confirmation page with a note, and rolls it back."""
import pytest

from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion, RunStatus, TrainingRun
from feedback.loop.services.gate import GateRule, gate_apply
from tests.support.browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scored(outcome: str) -> dict:
    accuracy = outcome.count("1") / len(outcome)
    return {"preference_accuracy": accuracy, "preference_outcomes": outcome, "mean_margin": 0.1, "rows": len(outcome),
            "implicit_reward_accuracy": accuracy, "implicit_reward_outcomes": outcome, "implicit_reward_margin": 0.2}


def gated(project, version, eval_metrics, parent=None):
    run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.SUCCEEDED,
                                     config={"promotion_margin": 0.0, "min_heldout_pairs": 30})
    adapter = AdapterVersion.objects.create(project=project, version=version, algorithm="dpo", base_model="demo",
                                            directory=f"a/{version}", weights_sha256=f"{version}" * 64, parent=parent,
                                            run=run, eval_metrics=eval_metrics)
    gate_apply(adapter=adapter, rule=GateRule.of_run(run.config))
    return adapter


def test_admin_promotes_a_refused_adapter_by_hand_and_rolls_it_back(page, project, admin_user):
    base = scored("10" * 20)
    v1 = gated(project, 1, {"new": scored("1" * 30 + "0" * 10), "base": base})
    v2 = gated(project, 2, {"new": scored("1" * 33 + "0" * 7), "v1": scored("1" * 30 + "0" * 10), "base": base},
               parent=v1)
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.PROMOTED, AdapterStatus.REJECTED)
    refusal = v2.gate_reason

    log_in(page, "ada", "ada-pw")
    for width, name in ((1280, "laptop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/p/{project.slug}/adapters/")
        card = page.locator("#v2")
        assert "could be noise" in card.inner_text() and "3 pairs only v2 ranks right, 0 only its rival" in card.inner_text()
        assert card.locator("svg.chart .chart-interval.fail").count() >= 1  # v2 vs v1: bound not past the margin
        assert page.locator("#v1 svg.chart .chart-interval.pass").count() >= 1
        screenshot(page, f"adapters-{name}")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#v2").get_by_role("link", name="Promote…").click()
    page.wait_for_url(f"**/adapters/{v2.pk}/promote/")
    assert "in place of v1, which would be retired" in page.get_by_role("main").inner_text()
    page.fill("textarea[name=note]", "Reviewers compared 40 answers side by side: v2 reads better.")
    screenshot(page, "promote-confirm")
    page.set_viewport_size({"width": 390, "height": 900})
    screenshot(page, "promote-confirm-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert AdapterVersion.objects.get(pk=v2.pk).status == AdapterStatus.REJECTED  # nothing until confirmed
    page.get_by_role("button", name="Promote v2").click()
    page.wait_for_url(f"**/p/{project.slug}/adapters/")
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.RETIRED, AdapterStatus.PROMOTED)
    assert v2.gate_reason == refusal  # the gate's words stay; the admin's note is beside them
    event = v2.events.get(action=AdapterEvent.Action.PROMOTED)
    assert event.actor == admin_user and event.note.startswith("Reviewers compared 40 answers")
    card = page.locator("#v2").inner_text()
    assert "Promoted by hand" in card and "Reviewers compared 40 answers" in card and "could be noise" in card
    screenshot(page, "adapters-promoted-by-hand")

    page.get_by_role("link", name="Roll back v2…").click()
    page.wait_for_url("**/adapters/rollback/?role=policy")
    assert "new candidates would come from v1 again" in page.get_by_role("main").inner_text()
    page.fill("textarea[name=note]", "Complaints in production.")
    screenshot(page, "rollback-confirm")
    page.get_by_role("button", name="Roll back v2").click()
    page.wait_for_url(f"**/p/{project.slug}/adapters/")
    v1.refresh_from_db(), v2.refresh_from_db()
    assert (v1.status, v2.status) == (AdapterStatus.PROMOTED, AdapterStatus.RETIRED)
    assert v2.events.filter(action=AdapterEvent.Action.ROLLED_BACK, note="Complaints in production.").exists()
