"""The one date parser behind the label filters (the export filters, the labels API and
the quality dashboard): a date that does not exist is a FilterError naming the parameter, and a
bound past what a datetime holds is an open end rather than an OverflowError."""
from datetime import datetime, timezone

import pytest
from django.http import QueryDict

from feedback.labelling.filters import FilterError, parse_label_filters, parse_when

UTC = timezone.utc


@pytest.mark.parametrize("value, says", [
    ("2020-13-45", "since: '2020-13-45' is not a real date (month must be in 1..12)"),
    ("2020-02-30", "since: '2020-02-30' is not a real date (day is out of range for month)"),
    ("2020-02-30T10:00", "since: '2020-02-30T10:00' is not a real date (day is out of range for month)"),
    ("2020-01-01T25:00", "since: '2020-01-01T25:00' is not a real date (hour must be in 0..23)"),
    ("0000-01-01", "since: '0000-01-01' is not a real date (year 0 is out of range)"),
    ("yesterday", "since: 'yesterday' is not a date (YYYY-MM-DD) or an ISO datetime"),
    ("99999-01-01", "since: '99999-01-01' is not a date (YYYY-MM-DD) or an ISO datetime"),
])
def test_dates_that_do_not_exist_are_refused_by_name(value, says):
    with pytest.raises(FilterError) as refused:
        parse_when(value, "since")
    assert str(refused.value) == says


def test_a_date_is_its_first_moment_or_with_include_day_the_next_days(settings):
    settings.TIME_ZONE = "UTC"
    assert parse_when("2024-05-01", "since") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_when("2024-05-01", "until", upper=True, include_day=True) == datetime(2024, 5, 2, tzinfo=UTC)
    assert parse_when("2024-05-01T10:30:00+02:00", "since") == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def test_bounds_past_the_end_of_time_are_open_on_the_side_that_asks_for_it(settings):
    settings.TIME_ZONE = "UTC"
    # The browser's date picker offers 9999-12-31; the day after it has no datetime.
    assert parse_when("9999-12-31", "until", upper=True, include_day=True) is None
    assert parse_when("9999-12-31", "until", upper=True) == datetime(9999, 12, 31, tzinfo=UTC)
    assert parse_when("9999-12-31T23:00:00-05:00", "until", upper=True) is None
    assert parse_when("0001-01-01T00:00:00+01:00", "since") is None
    # A lower bound past the end (or an upper one before the start) would match nothing: refused.
    with pytest.raises(FilterError, match="since: '9999-12-31T23:00:00-05:00' is out of range"):
        parse_when("9999-12-31T23:00:00-05:00", "since")
    with pytest.raises(FilterError, match="until: '0001-01-01T00:00:00\\+01:00' is out of range"):
        parse_when("0001-01-01T00:00:00+01:00", "until", upper=True)


def test_a_time_zone_west_of_utc_makes_the_last_day_an_open_end(settings):
    settings.TIME_ZONE = "America/New_York"
    assert parse_when("9999-12-31", "until", upper=True) is not None  # 05:00 UTC that day
    assert parse_when("9999-12-31", "until", upper=True, include_day=True) is None
    settings.TIME_ZONE = "Asia/Tokyo"
    assert parse_when("0001-01-01", "since") is None  # before year 1 in UTC: no lower bound


def test_parse_label_filters_takes_until_as_exclusive_or_inclusive():
    query = QueryDict("since=2024-05-01&until=2024-05-03&codebook_version=2")
    assert parse_label_filters(query).until == parse_when("2024-05-03", "until")
    inclusive = parse_label_filters(query, until_includes_day=True)
    assert inclusive.until == parse_when("2024-05-04", "until") and inclusive.codebook_versions == [2]
    assert parse_label_filters(QueryDict("until=9999-12-31"), until_includes_day=True).until is None


@pytest.mark.parametrize("query, says", [
    (f"codebook_version={2**31}", "codebook_version: numbers from 0 to 2147483647"),
    (f"max_label_id={2**63}", "max_label_id: numbers from 0 to 9223372036854775807"),
    ("max_label_id=,", "max_label_id: one whole number"),
    ("max_label_id=1,2", "max_label_id: one whole number"),
])
def test_numbers_a_column_cannot_hold_or_not_one_number_are_refused(query, says):
    with pytest.raises(FilterError, match=says):
        parse_label_filters(QueryDict(query))
