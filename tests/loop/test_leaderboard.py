"""Bradley–Terry on known strengths: pure numpy."""
import numpy as np
import pytest

from feedback.loop.leaderboard import bradley_terry, producer_ratings


def test_two_players_three_to_one_is_190_elo_points():
    first, second = np.zeros(400, int), np.ones(400, int)
    score = np.array([1.0] * 300 + [0.0] * 100)
    fit = bradley_terry(first, second, score, 2, anchor=1, bootstrap=0, prior=0.0)
    assert fit["rating"][1] == 1000
    assert fit["rating"][0] - fit["rating"][1] == pytest.approx(400 * np.log10(3), abs=0.01)


def test_ties_count_half_a_win_each_way():
    fit = bradley_terry([0, 0, 0, 0], [1, 1, 1, 1], [1.0, 0.5, 0.5, 0.0], 2, bootstrap=0, prior=0.0)
    assert fit["rating"][0] == pytest.approx(fit["rating"][1])


def simulated(strengths, games, rng):
    n = len(strengths)
    first = rng.integers(0, n, games)
    second = (first + rng.integers(1, n, games)) % n  # never itself
    p_first = strengths[first] / (strengths[first] + strengths[second])
    return first, second, (rng.random(games) < p_first).astype(float)


def test_recovers_the_order_and_the_truth_lies_in_the_intervals():
    rng = np.random.default_rng(0)
    strengths = np.array([1.0, 2.0, 4.0, 8.0])
    first, second, score = simulated(strengths, 3000, rng)
    fit = bradley_terry(first, second, score, 4, anchor=0, bootstrap=100, seed=1)
    assert list(np.argsort(fit["rating"])) == [0, 1, 2, 3]
    truth = 1000 + 400 * np.log10(strengths / strengths[0])
    assert np.all((fit["ci_low"] <= truth + 1e-9) & (truth <= fit["ci_high"] + 1e-9))


def test_intervals_shrink_with_more_data_and_one_sided_data_still_converges():
    rng = np.random.default_rng(2)
    strengths = np.array([1.0, 3.0])
    small = bradley_terry(*simulated(strengths, 60, rng), 2, bootstrap=100)
    large = bradley_terry(*simulated(strengths, 2000, rng), 2, bootstrap=100)
    assert (large["ci_high"] - large["ci_low"])[1] < (small["ci_high"] - small["ci_low"])[1]
    fit = bradley_terry([0] * 5, [1] * 5, [1.0] * 5, 2, bootstrap=20)  # 5-0: finite thanks to the prior
    assert np.all(np.isfinite(fit["rating"])) and fit["rating"][0] > fit["rating"][1]


def grouped(first, second, score):
    """The same comparisons as (first, second, score) groups with how many of each."""
    keys, counts = np.unique(np.stack([first, second, score]).T, axis=0, return_counts=True)
    return keys[:, 0].astype(int), keys[:, 1].astype(int), keys[:, 2], counts


def test_grouped_comparisons_give_the_ungrouped_point_ratings_exactly():
    rng = np.random.default_rng(3)
    first, second, score = simulated(np.array([1.0, 2.0, 4.0]), 900, rng)
    score[rng.random(900) < 0.2] = 0.5  # some ties
    *groups, counts = grouped(first, second, score)
    assert len(counts) <= 18 and counts.sum() == 900
    one_by_one = bradley_terry(first, second, score, 3, anchor=0, bootstrap=0)
    by_group = bradley_terry(*groups, 3, counts=counts, anchor=0, bootstrap=0)
    assert np.array_equal(one_by_one["rating"], by_group["rating"])


def test_grouped_bootstrap_is_deterministic_contains_the_rating_and_matches_resampling_one_by_one():
    rng = np.random.default_rng(4)
    first, second, score = simulated(np.array([1.0, 1.5, 3.0]), 1500, rng)
    *groups, counts = grouped(first, second, score)
    fit = bradley_terry(*groups, 3, counts=counts, anchor=0, bootstrap=300, seed=7)
    again = bradley_terry(*groups, 3, counts=counts, anchor=0, bootstrap=300, seed=7)
    assert np.array_equal(fit["ci_low"], again["ci_low"]) and np.array_equal(fit["ci_high"], again["ci_high"])
    assert np.all((fit["ci_low"] <= fit["rating"]) & (fit["rating"] <= fit["ci_high"]))
    other_seed = bradley_terry(*groups, 3, counts=counts, anchor=0, bootstrap=300, seed=8)
    assert not np.array_equal(fit["ci_low"], other_seed["ci_low"])
    # Drawing group counts is resampling the comparisons: the intervals agree with the
    # one-by-one bootstrap's up to bootstrap noise.
    one_by_one = bradley_terry(first, second, score, 3, anchor=0, bootstrap=300, seed=7)
    widths = (fit["ci_high"] - fit["ci_low"])[1:]
    assert widths == pytest.approx((one_by_one["ci_high"] - one_by_one["ci_low"])[1:], rel=0.25)


def test_producer_ratings_by_name_anchored_on_the_base():
    comparisons = {("v1", "base model", 1.0): 30, ("v1", "base model", 0.0): 10, ("v2", "v1", 0.5): 4}
    fitted = producer_ratings(comparisons, anchor="base model", bootstrap=50)
    assert set(fitted) == {"v1", "v2", "base model"} and fitted["base model"]["rating"] == 1000.0
    assert fitted["v1"]["ci_low"] <= fitted["v1"]["rating"] <= fitted["v1"]["ci_high"]
    assert producer_ratings(comparisons, anchor="base model", bootstrap=0)["v1"]["ci_low"] is None
    assert producer_ratings({}, anchor="base model") == {}
