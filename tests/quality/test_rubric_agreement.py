"""Rubric agreement: ordinal alpha per aspect against the `krippendorff` package, and
leniency and scale use on data whose answers are worked out by hand."""
import math

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feedback.labelling.filters import LabelFilters
from feedback.quality.rubric_agreement import compared_units, leniency, ordinal_alpha, scale_use
from feedback.quality.rubric_dashboard import rubric_figures
from tests.support.rated_labels import rated  # noqa: F401  (fixture)


def matrix_of(units, annotators, values):
    """The reliability matrix (annotators × units, nan where missing) the package takes."""
    unit_ids, who_ids = sorted(set(units)), sorted(set(annotators))
    data = np.full((len(who_ids), len(unit_ids)), np.nan)
    for unit, who, value in zip(units, annotators, values):
        data[who_ids.index(who), unit_ids.index(unit)] = value
    return data


ratings = st.integers(2, 7).flatmap(lambda high: st.tuples(
    st.just(high),
    st.dictionaries(st.tuples(st.integers(0, 14), st.integers(0, 5)), st.integers(1, high), min_size=2, max_size=60)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ratings)
def test_ordinal_alpha_equals_the_krippendorff_package(drawn):
    high, given_points = drawn
    units = [f"t:{unit}" for unit, _ in given_points]
    annotators = [who for _, who in given_points]
    values = list(given_points.values())
    assume(compared_units(units, values) >= 1 and len(set(values)) >= 2)
    # both are nan (no variation among the responses rated twice) or equal
    oracle = krippendorff.alpha(reliability_data=matrix_of(units, annotators, values), level_of_measurement="ordinal",
                                value_domain=list(range(1, high + 1)))
    ours = ordinal_alpha(units, values)
    assert (math.isnan(ours) and math.isnan(oracle)) or ours == pytest.approx(oracle, abs=1e-9)


def test_leniency_is_the_mean_offset_from_the_others_on_the_same_response():
    units = ["1:0", "1:0", "1:0", "1:1", "1:1", "2:0"]
    who = ["a", "b", "c", "a", "b", "a"]
    points = [5, 3, 4, 4, 2, 1]
    offsets = leniency(units, who, points)
    # 1:0 — a: 5 - (3+4)/2 = 1.5, b: 3 - 4.5 = -1.5, c: 0; 1:1 — a: +2, b: -2; 2:0 is a's alone
    assert (offsets["a"].mean, offsets["a"].compared) == (1.75, 2)
    assert (offsets["b"].mean, offsets["c"].mean) == (-1.75, 0.0)


def test_scale_use_counts_distinct_points_and_the_share_on_the_two_most_used():
    use = scale_use(["a"] * 6 + ["b"] * 4, [3, 3, 4, 4, 4, 5, 1, 2, 4, 5], scale_size=5)
    assert (use["a"].ratings, use["a"].points_used, use["a"].points_offered) == (6, 3, 5)
    assert use["a"].top_two_share == pytest.approx(5 / 6)
    assert use["b"].top_two_share == 0.5 and use["b"].points_used == 4


def test_the_dashboard_figures_over_the_rated_labels(project, rated):  # noqa: F811
    figures = rubric_figures(project, LabelFilters())
    by_aspect = {(a["name"], a["low"], a["high"]): a for a in figures["aspects"]}
    assert set(by_aspect) == {("helpfulness", 1, 5), ("correctness", 1, 5), ("helpfulness", 1, 7), ("clarity", 1, 3)}
    # helpfulness 1–5 by (unit, annotator): rate-3, near-tie, the pair task and the rate task on its prompt
    t = {name: task.pk for name, task in rated["task"].items()}
    points = {
        (f"{t['rate-3']}:0", 1): 5, (f"{t['rate-3']}:0", 2): 4, (f"{t['rate-3']}:0", 3): 5,
        (f"{t['rate-3']}:1", 1): 3, (f"{t['rate-3']}:1", 2): 3, (f"{t['rate-3']}:1", 3): 3,
        (f"{t['rate-3']}:2", 1): 2, (f"{t['rate-3']}:2", 2): 4, (f"{t['rate-3']}:2", 3): 3,
        (f"{t['near-tie']}:0", 1): 4, (f"{t['near-tie']}:0", 2): 4, (f"{t['near-tie']}:1", 1): 4, (f"{t['near-tie']}:1", 2): 4,
        (f"{t['pair-rated']}:0", 1): 5, (f"{t['pair-rated']}:0", 2): 5, (f"{t['pair-rated']}:0", 3): 3,
        (f"{t['pair-rated']}:1", 1): 2, (f"{t['pair-rated']}:1", 2): 2, (f"{t['pair-rated']}:1", 3): 4,
        (f"{t['pair-rated/rate']}:0", 1): 5, (f"{t['pair-rated/rate']}:1", 1): 1,
    }
    units, who = [u for u, _ in points], [a for _, a in points]
    oracle = krippendorff.alpha(reliability_data=matrix_of(units, who, list(points.values())),
                                level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])
    helpfulness = by_aspect[("helpfulness", 1, 5)]
    assert helpfulness["alpha"] == round(oracle, 3) and helpfulness["ratings"] == 21 and helpfulness["units"] == 7
    assert figures["labels"] == 11
    counts = {row["username"]: row["ratings"] for row in figures["annotators"]}
    assert counts == {"u1": 20, "u2": 16, "u3": 8}


def test_the_kind_and_version_filters_narrow_the_figures(project, rated):  # noqa: F811
    only_pairs = rubric_figures(project, LabelFilters(), kinds=["pair"])
    assert [(a["name"], a["ratings"]) for a in only_pairs["aspects"]] == [("helpfulness", 6)]
    v2 = rubric_figures(project, LabelFilters(codebook_versions=[2]))
    assert {a["name"] for a in v2["aspects"]} == {"helpfulness", "clarity"} and v2["labels"] == 2
    assert math.isclose(sum(a["ratings"] for a in v2["aspects"]), 8)


def test_no_rubric_no_section_and_no_query(project, codebook, django_assert_num_queries):
    with django_assert_num_queries(2):  # the codebook versions, asked twice: no label is read
        assert rubric_figures(project, LabelFilters()) is None
