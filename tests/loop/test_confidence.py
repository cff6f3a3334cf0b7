"""The exact bounds the gate relies on, checked against closed forms and the tests they
stand for (computed here from binomial sums, not from scipy)."""
from math import comb

import pytest

from feedback.loop.confidence import (
    PairedOutcomes, accuracy_lower_bound, chance_gain_lower_bound, paired_gain_lower_bound,
)


def upper_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): the exact one-sided sign-test p-value."""
    return sum(comb(n, i) for i in range(k, n + 1)) / 2**n


@pytest.mark.parametrize("n", [1, 5, 11, 40])
def test_all_right_has_the_closed_form_bound(n):
    # P(X = n | p) = p**n = alpha at the Clopper-Pearson bound
    assert accuracy_lower_bound(n, n, 0.95) == pytest.approx(0.05 ** (1 / n))
    assert accuracy_lower_bound(0, n, 0.95) == 0.0


def test_the_bound_clears_chance_exactly_when_the_sign_test_rejects():
    for n in range(1, 41):
        for k in range(n + 1):
            clears = chance_gain_lower_bound("1" * k + "0" * (n - k), 0.95) > 0
            assert clears == (upper_tail(k, n) < 0.05), (k, n)


def test_the_issues_example_is_noise():
    # v2 was promoted on 11 held-out rows at 0.636 against chance: 7 of 11.
    assert accuracy_lower_bound(7, 11, 0.95) == pytest.approx(0.3498, abs=1e-4)
    assert chance_gain_lower_bound("11111110000", 0.95) < 0


def test_paired_bound_uses_only_the_discordant_pairs():
    new, rival = "1111" "1111" "10" "0000", "1111" "0000" "01" "0000"
    paired = PairedOutcomes.of(new, rival)
    assert (paired.pairs, paired.only_new, paired.only_rival) == (14, 5, 1)
    assert paired.gain == pytest.approx(4 / 14)
    share = accuracy_lower_bound(5, 6, 0.95)
    assert paired_gain_lower_bound(paired, 0.95) == pytest.approx(6 / 14 * (2 * share - 1))
    # Pairs both rank alike (right or wrong) change nothing but the scale.
    assert paired_gain_lower_bound(PairedOutcomes.of("1" * 10, "1" * 10), 0.95) == 0.0


def test_paired_bound_is_above_zero_exactly_when_mcnemars_exact_test_rejects():
    for discordant in range(1, 25):
        for only_new in range(discordant + 1):
            new = "1" * only_new + "0" * (discordant - only_new) + "11"
            rival = "0" * only_new + "1" * (discordant - only_new) + "11"
            clears = paired_gain_lower_bound(PairedOutcomes.of(new, rival), 0.95) > 0
            assert clears == (upper_tail(only_new, discordant) < 0.05), (only_new, discordant)


def test_outcomes_of_different_lengths_are_not_paired():
    with pytest.raises(ValueError, match="not the same pairs"):
        PairedOutcomes.of("101", "10")
