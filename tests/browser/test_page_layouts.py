"""An admin opens every page of a project filled like the demo, on a laptop and on a phone:
nothing scrolls sideways, and on the laptop the header is one row. Screenshots of each
(with SCREENSHOT_DIR) are for a person to look at."""
from pathlib import Path

import pytest

from feedback.labelling.models import Task
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.labelling.services.imports import import_jsonl
from feedback.loop.models import AdapterVersion, GenerationRound, RunStatus, TrainingRun
from feedback.loop.services.gate import GateRule, gate_apply
from feedback.loop.services.rounds import round_config
from tests.support.browser import assert_fits_viewport, log_in, screenshot
from tests.support.labels import make_label
from tests.support.leaderboard import seed_leaderboard_project
from tests.support.rows import jsonl_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PROMPTS = Path(__file__).resolve().parents[2] / "feedback" / "demo" / "project" / "prompts.jsonl"
# A long word, a long log line and a wide table are what push a phone page sideways.
LONG_LOG = "step 12/12 loss=0.4213 " + "x" * 300


def outcomes(outcome: str) -> dict:
    accuracy = outcome.count("1") / len(outcome)
    return {"preference_accuracy": accuracy, "preference_outcomes": outcome, "mean_margin": 0.1, "rows": len(outcome),
            "implicit_reward_accuracy": accuracy, "implicit_reward_outcomes": outcome, "implicit_reward_margin": 0.2}


def gated_adapter(project, version, eval_metrics, parent=None):
    run = TrainingRun.objects.create(
        project=project, algorithm="dpo", status=RunStatus.SUCCEEDED, config={"promotion_margin": 0.0, "min_heldout_pairs": 30},
        log=LONG_LOG, step=12, total_steps=12, device="cpu",
        progress=[{"step": s, "loss": 0.7 - s / 40, "accuracy": 0.5 + s / 40} for s in range(1, 13)],
        metrics={"train_loss": 0.42, "train_runtime_seconds": 93.5})
    adapter = AdapterVersion.objects.create(project=project, version=version, algorithm="dpo", base_model="demo",
                                            directory=f"a/{version}", weights_sha256=f"{version}" * 64, parent=parent,
                                            run=run, eval_metrics=eval_metrics)
    gate_apply(adapter=adapter, rule=GateRule.of_run(run.config))
    adapter.refresh_from_db()
    return adapter


def seed_project(project, admin_user, annotators, codebook) -> dict[str, str]:
    """The demo's prompts and labels of each kind, a disputed pair, two gated adapters, a
    run and a round: every page has something in it. Returns each page's URL by name."""
    seed_leaderboard_project(project, annotators, codebook)  # pairs, a ranking, thumbs; adapter v1
    with DEMO_PROMPTS.open(encoding="utf-8") as lines:
        import_jsonl(project=project, lines=lines)
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": "disputed", "prompt": "Which unit is longer, a mile or a kilometre?", "kind": "pair",
         "candidates": [{"text": "A mile, about 1.609 kilometres.", "producer": "m"},
                        {"text": "A kilometre.", "producer": "m"}]}]))
    disputed = Task.objects.get(project=project, prompt__external_id="disputed")
    alice, bob, _ = annotators
    label = make_label(disputed, alice, codebook, {"choice": "A", "strength": None})
    make_label(disputed, bob, codebook, {"choice": "B", "strength": None})
    codebook_acknowledge(user=admin_user, codebook=codebook)
    base = outcomes("10" * 20)
    v1 = AdapterVersion.objects.get(project=project, version=1)
    v2 = gated_adapter(project, 2, {"new": outcomes("1" * 30 + "0" * 10), "base": base}, parent=v1)
    v3 = gated_adapter(project, 3, {"new": outcomes("1" * 33 + "0" * 7), "v2": outcomes("1" * 30 + "0" * 10),
                                    "base": base}, parent=v2)
    generation = GenerationRound.objects.create(project=project, adapter=v2, config=round_config(pairing="samples", prompts=8),
                                                status=RunStatus.RUNNING, phase="generating", done=3, total=8)
    p = f"/p/{project.slug}"
    return {
        "home": "/", "label": f"{p}/label/", "codebook": f"{p}/codebook/", "codebook-edit": f"{p}/codebook/edit/",
        "labels": f"{p}/labels/", "label-detail": f"{p}/labels/{label.pk}/", "import": f"{p}/import/",
        "quality": f"{p}/quality/", "queue": f"{p}/quality/disputed/?show=all",
        "adjudicate": f"{p}/quality/tasks/{disputed.pk}/adjudicate/", "gold": f"{p}/quality/gold/",
        "training": f"{p}/training/", "run-detail": f"{p}/training/runs/{v2.run_id}/", "round-detail": f"{p}/rounds/{generation.pk}/",
        "adapters": f"{p}/adapters/", "promote": f"{p}/adapters/{v3.pk}/promote/", "rollback": f"{p}/adapters/rollback/?role=policy",
        "leaderboard": f"{p}/leaderboard/", "export": f"{p}/export/", "tokens": "/accounts/tokens/",
    }


def header_is_one_row(page) -> bool:
    """The brand, every project link and group, and the user menu share one line."""
    return page.evaluate("""() => {
        const items = [...document.querySelectorAll('.topbar .brand, .topbar .project-name, .topbar .nav-item, .topbar .user-menu')]
            .filter(e => e.offsetParent !== null);
        const middles = items.map(e => { const b = e.getBoundingClientRect(); return b.top + b.height / 2; });
        return items.length >= 2 && Math.max(...middles) - Math.min(...middles) < 4
            && document.querySelector('.topbar').getBoundingClientRect().height < 70;
    }""")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_fits_a_laptop_and_a_phone(browser, live_server, project, admin_user, annotators, codebook,
                                               celery_eager, settings, width):
    pages = seed_project(project, admin_user, annotators, codebook)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    overflowing, wrapped = [], []

    def check(name: str) -> None:
        page.wait_for_load_state()
        screenshot(page, f"layout-{name}-{width}")
        try:
            assert_fits_viewport(page)
        except AssertionError as error:
            overflowing.append(f"{name}: {error}")

    try:
        page.goto("/accounts/login/")
        check("login")
        log_in(page, "ada", "ada-pw")
        for name, url in pages.items():
            response = page.goto(url)
            assert response.ok, f"{name}: {response.status}"
            check(name)
            if width == 1280 and not header_is_one_row(page):
                wrapped.append(name)

        # The lockout page, for someone else who keeps typing a wrong password.
        settings.AXES_FAILURE_LIMIT = 2
        context.clear_cookies()
        page.goto("/accounts/login/")
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", f"wrong-{attempt}")
            page.press("input[name=password]", "Enter")
            page.wait_for_load_state()
        assert page.get_by_role("heading", name="Logging in is paused").is_visible()
        check("locked-out")
    finally:
        context.close()
    assert not overflowing, overflowing
    assert not wrapped, f"the header wraps at {width}px on {wrapped}"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_header_groups_open_as_menus(page, project, admin_user, codebook, width):
    """A group's name opens its menu; a click elsewhere, Escape or opening another group
    closes it; the group of the page shown is marked current."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "ada", "ada-pw")
    page.goto(f"/p/{project.slug}/quality/")
    nav = page.get_by_role("navigation", name="Project")
    review, train = nav.locator("details", has_text="Review"), nav.locator("details", has_text="Train")
    assert "current" in review.get_attribute("class") and "current" not in train.get_attribute("class")
    assert not nav.get_by_role("link", name="Adjudicate").is_visible()

    review.locator("summary").click()
    assert nav.get_by_role("link", name="Adjudicate").is_visible()
    assert_fits_viewport(page)
    screenshot(page, f"layout-menu-open-{width}")
    page.mouse.click(width - 5, 880)  # elsewhere on the page
    assert not nav.get_by_role("link", name="Adjudicate").is_visible()

    review.locator("summary").click()
    train.locator("summary").click()  # one menu at a time
    assert nav.get_by_role("link", name="Leaderboard").is_visible() and not nav.get_by_role("link", name="Gold").is_visible()
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="Leaderboard").is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Train"

    page.keyboard.press("Enter")  # the focused group's name opens it from the keyboard too
    nav.get_by_role("link", name="Adapters").click()
    page.wait_for_url(f"**/p/{project.slug}/adapters/")
    assert "current" in nav.locator("details", has_text="Train").get_attribute("class")
    assert nav.get_by_role("link", name="Adapters", include_hidden=True).get_attribute("aria-current") == "page"

    page.locator(".user-menu summary").click()
    assert page.get_by_role("link", name="Django admin").count() == 0  # ada is a project admin, not staff
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")
