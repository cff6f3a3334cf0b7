"""The quality dashboard's filters, parsed like the export filters: a date that does
not exist or a version no column holds is a 400 page that says so (the figures then
cover every label), and the date picker's last day, 9999-12-31, is an open end."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.labelling.models import Role
from tests.support.labels import make_label
from tests.support.passwords import fast_password_hashing  # noqa: F401 (autouse fixture)


@pytest.fixture
def labelled(project, annotators, codebook, tasks_of):
    """Two labels on one task: one today, one 40 days ago."""
    task = tasks_of("pair", 1)[0]
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None},
               when=timezone.now() - timedelta(days=40))
    return task


def dashboard(client, project, **query):
    return client.get(reverse("quality:dashboard", args=[project.slug]), query)


def labels_shown(response) -> str:
    page = response.content.decode()
    marker = '<dd data-testid="labels">'
    start = page.index(marker) + len(marker)
    return page[start:page.index("</dd>", start)]


@pytest.mark.parametrize("query, says", [
    ({"since": "2020-13-45"}, "since: &#x27;2020-13-45&#x27; is not a real date (month must be in 1..12)."),
    ({"since": "2020-02-30"}, "since: &#x27;2020-02-30&#x27; is not a real date (day is out of range for month)."),
    ({"until": "2020-02-30"}, "until: &#x27;2020-02-30&#x27; is not a real date"),
    ({"codebook_version": str(2**63)}, "codebook_version: numbers from 0 to 2147483647."),
    ({"codebook_version": "v1"}, "codebook_version: whole numbers, comma-separated."),
])
def test_a_bad_filter_is_a_400_page_that_says_so(client, project, make_user, labelled, query, says):
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    response = dashboard(client, project, **query)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page and "Showing every label instead." in page
    assert labels_shown(response) == "2"


def test_the_date_pickers_last_day_is_an_open_end(client, project, make_user, labelled):
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    response = dashboard(client, project, until="9999-12-31")
    assert response.status_code == 200 and labels_shown(response) == "2"
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    recent = dashboard(client, project, since=since, until="9999-12-31")
    assert recent.status_code == 200 and labels_shown(recent) == "1"


def test_until_includes_its_day_and_shows_it_back(client, project, make_user, labelled):
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    long_ago = (timezone.localdate() - timedelta(days=40)).isoformat()
    response = dashboard(client, project, since=long_ago, until=long_ago)
    assert labels_shown(response) == "1"
    assert f'value="{long_ago}" aria-label="Until"' in response.content.decode()
