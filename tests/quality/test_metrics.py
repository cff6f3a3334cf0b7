import math

import krippendorff
import numpy as np
import pytest

from feedback.quality import metrics

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4-coder,
# 12-unit example with missing values. Published: nominal .743, ordinal .815, interval .849.
PAPER = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def long_form(matrix):
    units, coders, values = [], [], []
    for coder, row in enumerate(matrix):
        for unit, value in enumerate(row):
            if value is not None:
                units.append(unit), coders.append(coder), values.append(value)
    return np.array(units), np.array(coders), np.array(values)


def as_reliability_data(matrix):
    return np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_matches_the_published_example(level, published):
    units, _, values = long_form(PAPER)
    assert metrics.krippendorff_alpha(units, values, level) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(5))
def test_alpha_agrees_with_the_krippendorff_package_on_random_incomplete_data(level, seed):
    rng = np.random.default_rng(seed)
    coders, units = rng.integers(2, 8), rng.integers(5, 60)
    truth = rng.integers(0, 4, size=units)
    data = np.where(rng.random((coders, units)) < 0.7, truth, rng.integers(0, 4, size=(coders, units))).astype(float)
    data[rng.random((coders, units)) < 0.3] = np.nan
    matrix = [[None if np.isnan(v) else int(v) for v in row] for row in data]
    units_, _, values = long_form(matrix)
    ours = metrics.krippendorff_alpha(units_, values, level)
    oracle = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=[0, 1, 2, 3])
    assert ours == pytest.approx(oracle, abs=1e-9)


def test_alpha_is_one_for_perfect_agreement_and_nan_without_variation():
    assert metrics.krippendorff_alpha([0, 0, 1, 1], ["a", "a", "b", "b"]) == 1.0
    assert math.isnan(metrics.krippendorff_alpha([0, 0, 1, 1], ["a"] * 4))
    assert math.isnan(metrics.krippendorff_alpha([0, 1, 2], ["a", "b", "a"]))  # no unit labelled twice
    with pytest.raises(ValueError):
        metrics.krippendorff_alpha([0, 0], [1, 2], level="ratio-ish")


def test_cohen_kappa_on_the_textbook_table():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → p_o .70, p_e .50, kappa .40.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert metrics.cohen_kappa(first, second) == pytest.approx(0.4)


def test_pairwise_cohen_kappa_uses_only_shared_units():
    units, coders, values = long_form(PAPER)
    pairs = metrics.pairwise_cohen_kappa(units, coders, values)
    assert set(pairs) == {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
    kappa, shared = pairs[(0, 2)]
    # Coders A and C share units 2..9; by hand: A 2 3 3 2 1 4 1 2, C 3 3 3 2 3 4 2 2.
    assert shared == 8
    assert kappa == pytest.approx(metrics.cohen_kappa([2, 3, 3, 2, 1, 4, 1, 2], [3, 3, 3, 2, 3, 4, 2, 2]))
    assert pairs[(0, 3)][0] == pytest.approx(metrics.cohen_kappa([1, 2, 3, 3, 2, 1, 4, 1, 2], [1, 2, 3, 3, 2, 4, 4, 1, 2]))


# Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories, kappa .210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def table_to_long(table):
    units, values = [], []
    for unit, row in enumerate(table):
        for category, count in enumerate(row):
            units += [unit] * count
            values += [category] * count
    return np.array(units), np.array(values)


def test_fleiss_kappa_on_the_worked_example():
    units, values = table_to_long(FLEISS_TABLE)
    assert metrics.fleiss_kappa(units, values) == pytest.approx(0.210, abs=5e-4)
    assert metrics.percent_agreement(units, values) == pytest.approx(0.378, abs=5e-4)


def test_percent_agreement_by_hand():
    # Unit 0: a a b → 1 agreeing pair of 3; unit 1: c c → 1 of 1; unit 2 alone is left out.
    assert metrics.percent_agreement([0, 0, 0, 1, 1, 2], list("aabccx")) == pytest.approx((1 / 3 + 1) / 2)


def test_agreement_with_others_by_hand():
    # unit 1: a, b, c say x, x, y; unit 2: a, b say z, z; unit 3: only c (no pairs).
    units = [1, 1, 1, 2, 2, 3]
    annotators = ["a", "b", "c", "a", "b", "c"]
    values = ["x", "x", "y", "z", "z", "y"]
    result = metrics.agreement_with_others(units, annotators, values)
    assert result["a"] == (pytest.approx(2 / 3), 3)  # agrees with b twice, not with c
    assert result["c"] == (0.0, 2)
    assert metrics.agreement_with_others([1], ["a"], ["x"]) == {}
    assert metrics.agreement_with_others([], [], []) == {}


def test_agreement_with_others_matches_pairwise_counting_on_random_data():
    rng = np.random.default_rng(3)
    units = np.repeat(np.arange(40), 4)
    annotators = np.concatenate([rng.choice(7, 4, replace=False) for _ in range(40)])
    values = rng.integers(0, 3, units.size)
    result = metrics.agreement_with_others(units, annotators, values)
    for who in range(7):
        mine = annotators == who
        agree = pairs = 0
        for unit, value in zip(units[mine], values[mine]):
            others = (units == unit) & ~mine
            pairs += others.sum()
            agree += (values[others] == value).sum()
        assert result[who] == (pytest.approx(agree / pairs), pairs)
