"""Dashboard numbers and flags on constructed annotators whose faults are known."""
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.filters import LabelFilters as Filters
from feedback.labelling.models import Membership, Task, Tier
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.dashboard import dashboard
from feedback.quality.models import QualitySettings
from tests.support.rows import jsonl_lines
from tests.support.agreement import package_alpha
from tests.support.labels import make_label


def tasks(project, n, kind, prefix, responses=2):
    import_jsonl(project=project, lines=jsonl_lines([
        {"external_id": f"{prefix}-{i}", "prompt": f"Q {i}?", "kind": kind,
         "candidates": [{"text": f"{'abcd'[r]}{i}", "producer": f"m{r + 1}"} for r in range(responses)]} for i in range(n)]))
    return list(Task.objects.filter(project=project, prompt__external_id__startswith=f"{prefix}-").order_by("id"))


def label(task, user, codebook, answer, shown):
    made = make_label(task, user, codebook, answer)
    made.display_order = shown
    made.save(update_fields=["display_order"])
    return made


@pytest.fixture
def crowd(project, codebook, make_user):
    QualitySettings.objects.create(project=project, min_labels_for_flags=10)
    users = {name: make_user(name, project=project) for name in ("ann", "ben", "cat", "yes_man", "lefty")}
    pairs, thumbs = tasks(project, 20, "pair", "p"), tasks(project, 20, "thumbs", "t")
    for i, task in enumerate(pairs):
        shown = [0, 1] if i % 2 == 0 else [1, 0]
        truth = "A" if i % 3 else "B"
        for name in ("ann", "ben", "cat", "yes_man"):
            label(task, users[name], codebook, {"choice": truth, "strength": None}, shown)
        # lefty always picks whichever response was shown first
        label(task, users["lefty"], codebook, {"choice": "AB"[shown[0]], "strength": None}, shown)
    for i, task in enumerate(thumbs):
        verdict = {"0": "up", "1": "down"} if i % 2 else {"0": "down", "1": "down"}
        for name in ("ann", "ben", "cat", "lefty"):
            label(task, users[name], codebook, {"thumbs": verdict}, [0, 1])
        label(task, users["yes_man"], codebook, {"thumbs": {"0": "up", "1": "up"}}, [0, 1])
    return users


def test_skew_and_position_bias_are_flagged_and_no_one_else(project, crowd):
    rows = {row.username: row for row in dashboard(project, Filters())["annotators"]}
    assert rows["yes_man"].thumbs_up_share == 1.0
    assert any("thumbs-up 100%" in flag for flag in rows["yes_man"].flags)
    assert rows["lefty"].first_shown_wins == 1.0 and any("first-shown wins" in f for f in rows["lefty"].flags)
    assert rows["ann"].first_shown_wins == 0.45 and rows["ann"].flags == []  # 9 of 20 by construction
    assert rows["ann"].majority_agreement == 1.0 and rows["ann"].labels == 40
    assert all(rows[name].flags == [] for name in ("ann", "ben", "cat"))


def test_agreement_by_kind_and_disputed_tasks(project, crowd):
    data = dashboard(project, Filters())
    assert data["kinds"] == ["pair", "thumbs"] and data["labels"] == 200 and "overall" not in data
    assert 0 < data["by_kind"]["pair"].alpha < 1 and data["by_kind"]["pair"].units == 20
    assert data["by_kind"]["thumbs"].units == 40  # a unit per response
    ((_, week),) = data["by_week"]
    assert week == data["by_kind"]
    assert data["disputed"][0]["majority_share"] == 0.8  # lefty disagrees on half the pairs: 4 of 5
    assert data["project_thumbs_up"] == pytest.approx((4 * 10 + 20 * 2) / 200)


def test_annotators_below_the_label_minimum_are_never_flagged(project, crowd):
    QualitySettings.objects.filter(project=project).update(min_labels_for_flags=1000)
    assert all(row.flags == [] for row in dashboard(project, Filters())["annotators"])


def test_tier_suggested_from_gold_accuracy_and_agreement(project, crowd, codebook):
    gold = tasks(project, 3, "pair", "g")
    for task in gold:
        Task.objects.filter(pk=task.pk).update(is_gold=True, gold_answer={"choice": "A", "strength": None})
        label(task, crowd["ann"], codebook, {"choice": "A", "strength": None}, [0, 1])
        label(task, crowd["ben"], codebook, {"choice": "B", "strength": None}, [0, 1])
    Membership.objects.filter(user=crowd["ann"]).update(tier=Tier.TRAINEE)
    rows = {row.username: row for row in dashboard(project, Filters())["annotators"]}
    assert rows["ann"].gold_accuracy == 1.0 and rows["ann"].suggested_tier == Tier.REGULAR
    assert rows["ben"].gold_accuracy == 0.0 and rows["ben"].suggested_tier is None
    assert any("gold accuracy 0%" in flag for flag in rows["ben"].flags)


def test_filters_by_codebook_version(project, crowd, admin_user):
    from feedback.labelling.services.codebooks import codebook_publish

    codebook_publish(project=project, text="v2 rules", author=admin_user)
    assert dashboard(project, Filters(codebook_versions=[2]))["labels"] == 0
    assert dashboard(project, Filters(codebook_versions=[1]))["labels"] == 200


def test_agreement_with_the_others_per_annotator(project, crowd):
    rows = {row.username: row for row in dashboard(project, Filters())["annotators"]}
    # every annotator has 4 others on 20 pair units and 40 thumbs units
    assert rows["lefty"].others_pairs == 20 * 4 + 40 * 4 and rows["lefty"].others_agreement < rows["ann"].others_agreement
    # ann, pairs: agrees with ben, cat, yes_man always, with lefty on 9 of 20 (see first_shown_wins);
    # thumbs (40 units): with ben, cat, lefty always, with yes_man only on the 10 responses that were up
    assert rows["ann"].others_agreement == pytest.approx((20 * 3 + 9 + 40 * 3 + 10) / (20 * 4 + 40 * 4), abs=1e-3)


def test_agreement_on_the_calibration_set_per_version(project, crowd, codebook, admin_user):
    from feedback.labelling.services.codebooks import codebook_publish
    from feedback.quality.services import calibration_add

    items = calibration_add(codebook=codebook, tasks=list(Task.objects.filter(project=project, kind="pair")[:4]))
    for item in items:
        for user in ("ann", "ben", "cat"):
            label(item, crowd[user], codebook, {"choice": "A", "strength": None}, [0, 1])
    v2 = codebook_publish(project=project, text="v2 rules", author=admin_user)
    for i, item in enumerate(v2.calibration_tasks.order_by("id")):
        for user in ("ann", "ben"):
            label(item, crowd[user], v2, {"choice": "AB"[(i + (user == "ben")) % 2], "strength": None}, [0, 1])
    data = dashboard(project, Filters())
    assert list(data["calibration_by_version"]) == [1, 2] and data["active_version"] == 2
    assert data["calibration_by_version"][1]["pair"].percent == 1.0 and data["calibration_by_version"][1]["pair"].labels == 12
    assert data["calibration"]["pair"].percent == 0.0 and data["calibration"]["pair"].labels == 8
    assert [kinds for _, kinds in data["calibration_table"]] == [[data["calibration_by_version"][1]["pair"], None],
                                                                 [data["calibration"]["pair"], None]]


def random_answer(rng, task, truth):
    """Near the task's truth most of the time, anything else otherwise."""
    n, noisy = task.candidate_count, rng.random() < 0.4
    if task.kind == "pair":
        return {"choice": rng.choice(["A", "B", "tie", "both_bad"]) if noisy else truth, "strength": None}
    if task.kind == "rank":
        return {"order": rng.sample(range(n), n) if noisy else truth}
    return {"thumbs": {str(p): rng.choice(["up", "down"]) if noisy else thumb for p, thumb in enumerate(truth)}}


def test_every_agreement_figure_is_the_krippendorff_packages(project, codebook, make_user, admin_user):
    """By kind, by codebook version, by week and on the calibration set, each kind's alpha
    is the package's on that kind's units and level, over those labels (an incomplete
    design: each task labelled by 2 to 4 of 5 annotators, rankings of 3 and of 4 responses:
    with one size only, ordinal and interval alpha on places coincide)."""
    from feedback.labelling.models import Label
    from feedback.labelling.services.codebooks import codebook_publish
    from feedback.quality.services import calibration_add

    rng = random.Random(7)
    users = [make_user(f"r{i}", project=project) for i in range(5)]
    weeks_ago = [timezone.now() - timedelta(days=14), timezone.now()]
    regular = (tasks(project, 6, "pair", "p") + tasks(project, 4, "rank", "r", 3) + tasks(project, 2, "rank", "q", 4)
               + tasks(project, 6, "thumbs", "t"))
    truths = {}  # by prompt: a calibration item shares its task's prompt and responses
    for task in regular:
        n = task.candidate_count
        truths[task.prompt_id] = (rng.choice("AB") if task.kind == "pair" else rng.sample(range(n), n) if task.kind == "rank"
                                  else [rng.choice(["up", "down"]) for _ in range(n)])
    v1_items = calibration_add(codebook=codebook, tasks=[regular[0], regular[6], regular[12]])
    v2 = codebook_publish(project=project, text="v2 rules", author=admin_user)  # carries the set over
    under = {task.pk: codebook for task in regular[:9] + v1_items}  # the rest under v2
    for i, task in enumerate(regular + v1_items + list(v2.calibration_tasks.all())):
        for user in rng.sample(users, rng.randint(2, 4)):
            make_label(task, user, under.get(task.pk, v2), random_answer(rng, task, truths[task.prompt_id]),
                       when=weeks_ago[i % 2])

    data = dashboard(project, Filters())
    labels = list(Label.objects.filter(task__project=project).values_list(
        "annotator_id", "task_id", "kind", "answer", "codebook__version", "created_at", "task__calibration_for__version"))
    sizes = {task.pk: task.candidate_count for task in Task.objects.filter(project=project)}

    def expected(selected):
        figures = {}
        for kind in ("pair", "rank", "thumbs"):
            mine = [(who, task, answer) for who, task, k, answer, *_ in selected if k == kind]
            if mine:
                alpha = package_alpha(kind, mine, {task: sizes[task] for _, task, _ in mine})
                figures[kind] = None if alpha != alpha else pytest.approx(alpha, abs=5e-4)
        return figures

    def alphas(figures):
        return {kind: a.alpha for kind, a in figures.items()}

    assert alphas(data["by_kind"]) == expected(labels) and None not in alphas(data["by_kind"]).values()
    assert {v: alphas(f) for v, f in data["by_version"].items()} == {
        v: expected([row for row in labels if row[4] == v]) for v in (1, 2)}
    assert [alphas(f) for _, f in data["by_week"]] == [
        expected([row for row in labels if row[5] == when]) for when in weeks_ago]
    assert {v: alphas(f) for v, f in data["calibration_by_version"].items()} == {
        v: expected([row for row in labels if row[6] == v]) for v in (1, 2)}
    assert alphas(data["calibration"]) == alphas(data["calibration_by_version"][2])
