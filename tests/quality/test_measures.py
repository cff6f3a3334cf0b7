"""Each kind's agreement figures against the `krippendorff` package (tests.support.agreement),
on random incomplete designs: annotators missing from tasks, rankings of 2 to 4 responses."""
import numpy as np
import pytest

from feedback.quality.measures import MEASURES, agreement_by_kind, unit_values
from tests.support.agreement import CHOICES, LEVELS, compared_units, package_alpha, reliability_matrix


def random_labels(kind: str, seed: int) -> tuple[list, dict]:
    """(rows, {task: number of responses}): 2-7 annotators, each task labelled by a
    random subset of them (some by one only), answers near a per-task truth."""
    rng = np.random.default_rng(seed)
    annotators, tasks = int(rng.integers(2, 8)), int(rng.integers(5, 40))
    rows, sizes = [], {}
    for task in range(tasks):
        n = 2 if kind == "pair" else int(rng.integers(2, 5))  # rank tasks of 2 to 4 responses side by side
        sizes[task] = n
        truth_choice, truth_order, truth_thumbs = rng.choice(CHOICES), rng.permutation(n), rng.random(n) < 0.5
        for annotator in range(annotators):
            if rng.random() < 0.35:
                continue  # this annotator did not label this task
            noisy = rng.random() < 0.35
            if kind == "pair":
                answer = {"choice": str(rng.choice(CHOICES) if noisy else truth_choice), "strength": None}
            elif kind == "rank":
                answer = {"order": [int(p) for p in (rng.permutation(n) if noisy else truth_order)]}
            elif kind == "turns":  # n assistant turns at indices 1, 3, ...
                ups = np.where(rng.random(n) < 0.3, ~truth_thumbs, truth_thumbs)
                answer = {"turns": {str(2 * p + 1): {"thumb": "up" if up else "down"} for p, up in enumerate(ups)}}
            else:
                ups = np.where(rng.random(n) < 0.3, ~truth_thumbs, truth_thumbs)
                answer = {"thumbs": {str(p): "up" if up else "down" for p, up in enumerate(ups)}}
            rows.append((annotator, task, answer))
    return rows, sizes


@pytest.mark.parametrize("kind", ["pair", "rank", "thumbs", "turns"])
@pytest.mark.parametrize("seed", range(6))
def test_each_kinds_alpha_is_the_packages_on_the_kinds_own_units(kind, seed):
    rows, sizes = random_labels(kind, seed)
    figures = agreement_by_kind([(task, kind, answer) for _, task, answer in rows])
    assert list(figures) == [kind] and figures[kind].labels == len(rows)
    assert figures[kind].alpha == pytest.approx(package_alpha(kind, rows, sizes), abs=5e-4)
    assert figures[kind].units == compared_units(reliability_matrix(kind, rows, sizes))


def test_the_levels_of_measurement():
    assert {kind: m.level for kind, m in MEASURES.items()} == LEVELS


def test_kinds_are_never_pooled_and_come_in_a_fixed_order():
    rows = [(1, "thumbs", {"thumbs": {"0": "up"}}), (2, "rank", {"order": [0, 1]}), (3, "pair", {"choice": "A"})]
    assert list(agreement_by_kind(rows)) == ["pair", "rank", "thumbs"]


def test_a_ranking_gives_each_response_its_place():
    assert unit_values(7, "rank", {"order": [2, 0, 1]}) == [("7:2", 1), ("7:0", 2), ("7:1", 3)]
    assert unit_values(7, "pair", {"choice": "tie", "strength": None}) == [("7", "tie")]
    assert unit_values(7, "thumbs", {"thumbs": {"0": "up", "1": "down"}}) == [("7:0", "up"), ("7:1", "down")]
    # Each judged turn of a conversation is a unit of its own, valued by its thumb (its points are not).
    assert unit_values(7, "turns", {"turns": {"3": {"thumb": "down"}, "1": {"thumb": "up", "ratings": {"a": 2}}}}) == [
        ("7:t1", "up"), ("7:t3", "down")]


def test_pairwise_agreement_by_hand():
    # Two rankings of 3 agree on one response's place (response 1, 1st) of three.
    rank = agreement_by_kind([(1, "rank", {"order": [0, 1, 2]}), (1, "rank", {"order": [0, 2, 1]})])["rank"]
    assert rank.percent == pytest.approx(0.333) and rank.units == 3 and rank.labels == 2
    # Unit 1: A, A, B → 1 agreeing pair of 3; unit 2: tie, tie → 1 of 1.
    pair = agreement_by_kind([(1, "pair", {"choice": c}) for c in "AAB"] + [(2, "pair", {"choice": "tie"})] * 2)["pair"]
    assert pair.percent == pytest.approx((1 / 3 + 1) / 2, abs=5e-4)


def test_undefined_figures_are_none():
    alone = agreement_by_kind([(1, "pair", {"choice": "A"}), (2, "pair", {"choice": "B"})])["pair"]
    assert (alone.alpha, alone.percent, alone.units) == (None, None, 0)  # no unit labelled twice
    same = agreement_by_kind([(1, "thumbs", {"thumbs": {"0": "up"}})] * 3)["thumbs"]
    assert same.alpha is None and same.percent == 1.0  # no variation: alpha is undefined, agreement full
