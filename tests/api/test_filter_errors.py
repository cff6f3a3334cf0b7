"""Export and label filters from the API, parsed by the one date parser: a date that
does not exist is a 400 naming the parameter; 9999-12-31 as `until` is an open end;
a snapshot's filters of the wrong type are a 400, not a crash."""
import pytest

from feedback.exports.models import Snapshot
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)


@pytest.mark.parametrize("endpoint", ["labels/", "export/", "export/manifest/"])
@pytest.mark.parametrize("query, says", [
    ("since=2020-13-45", "since: '2020-13-45' is not a real date (month must be in 1..12)"),
    ("until=2020-02-30", "until: '2020-02-30' is not a real date (day is out of range for month)"),
    ("since=9999-12-31T23:00:00-05:00", "since: '9999-12-31T23:00:00-05:00' is out of range"),
])
def test_dates_that_do_not_exist_are_a_400(api_as, project, admin_user, endpoint, query, says):
    response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/{endpoint}?{query}")
    assert response.status_code == 400 and says in response.content.decode()


@pytest.mark.parametrize("endpoint", ["labels/", "export/manifest/"])
def test_the_last_day_there_is_as_until_is_an_open_end(api_as, project, admin_user, endpoint):
    for until in ("9999-12-31", "9999-12-31T23:59:59-05:00"):
        response = api_as(admin_user).get(f"/api/v1/projects/{project.slug}/{endpoint}", {"until": until})
        assert response.status_code == 200, until


@pytest.mark.parametrize("filters, says", [
    ({"since": {"a": 1}}, "since: a string, a number, or a list of them."),
    ({"columns": 5}, "unknown"),
    ({"min_agreement": [0.5]}, "min_agreement: a number between 0 and 1"),
    ({"since": "2020-02-30"}, "since: '2020-02-30' is not a real date"),
])
def test_snapshot_filters_of_the_wrong_type_are_a_400(api_as, project, admin_user, filters, says):
    response = api_as(admin_user).post(f"/api/v1/projects/{project.slug}/snapshots/", {"filters": filters},
                                       format="json")
    assert response.status_code == 400 and says in response.content.decode()
    assert not Snapshot.objects.exists()
