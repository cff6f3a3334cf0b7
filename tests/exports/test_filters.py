"""What the export filters add to the label filters: min_agreement (refused unless a
number from 0 to 1) and weight_by_reliability; values of the wrong type are refused by
name, not crashed on; a manifest lists the filters in its usual order."""
import pytest
from django.http import QueryDict

from feedback.exports.filters import ExportFilters, FilterError, parse_filters


@pytest.mark.parametrize("query, says", [
    ("min_agreement=nan", "min_agreement: a number between 0 and 1"),
    ("min_agreement=1.5", "min_agreement: a number between 0 and 1"),
    ("tier=gold", "tier: unknown gold"),
])
def test_values_out_of_range_are_refused_by_name(query, says):
    with pytest.raises(FilterError, match=says):
        parse_filters(QueryDict(query))


def test_export_filters_carry_the_label_filters_and_their_own():
    filters = parse_filters(QueryDict("codebook_version=2,1&min_agreement=0.7&weight_by_reliability=yes&split=train"))
    assert (filters.codebook_versions, filters.min_agreement, filters.weight_by_reliability, filters.split) == (
        [1, 2], 0.7, True, "train")


def test_a_manifest_lists_the_filters_in_their_usual_order():
    assert list(ExportFilters().as_manifest()) == [
        "codebook_versions", "since", "until", "min_agreement", "tiers", "split", "max_label_id", "weight_by_reliability"]


def test_values_of_the_wrong_type_are_refused_not_crashed_on():
    class Body(dict):  # a JSON body's filters read like query parameters (the snapshot API)
        def getlist(self, name):
            value = self.get(name)
            return value if isinstance(value, list) else [value] if value not in (None, "") else []

    with pytest.raises(FilterError, match="min_agreement"):
        parse_filters(Body(min_agreement=["0.5"]))
    with pytest.raises(FilterError, match="since: '5' is not a date"):
        parse_filters(Body(since=5))
