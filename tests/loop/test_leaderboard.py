"""Bradley–Terry on known strengths: pure numpy."""
import numpy as np
import pytest

from feedback.loop.leaderboard import bradley_terry


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
