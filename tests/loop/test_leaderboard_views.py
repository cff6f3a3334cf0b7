import re

from django.urls import reverse
from django.utils.timezone import localtime

from feedback.labelling.models import Role
from feedback.loop.models import LeaderboardFit
from feedback.loop.services.leaderboard_fits import leaderboard_refit
from tests.support.leaderboard import rank_again, seed_leaderboard_project


def test_reviewers_see_the_leaderboard_annotators_do_not(client, project, annotators, codebook, make_user):
    url = reverse("loop:leaderboard", args=[project.slug])
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    assert "No comparisons between versions yet" in client.get(url).content.decode()
    seed_leaderboard_project(project, annotators, codebook)
    leaderboard_refit(project=project)
    page = client.get(url).content.decode()
    assert "<strong>v1</strong>" in page and "base model" in page and "<svg" in page
    client.force_login(annotators[0])
    assert client.get(url).status_code == 403


def test_the_page_says_when_its_ratings_were_computed_and_never_fits_itself(
        client, project, annotators, codebook, make_user, django_capture_on_commit_callbacks):
    url = reverse("loop:leaderboard", args=[project.slug])
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    seed_leaderboard_project(project, annotators, codebook)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.get(url).content.decode()
        client.get(url)
    assert "Ratings not computed yet; queued." in page and len(callbacks) == 1
    assert LeaderboardFit.objects.get(project=project).computed_at is None  # queued, not fitted inline
    assert "<td>4</td>" in page  # v1's comparisons, counted live

    fit = leaderboard_refit(project=project)
    page = client.get(url).content.decode()
    shown = localtime(fit.computed_at).strftime("%Y-%m-%d %H:%M")
    assert re.search(rf'Ratings computed <time datetime="[^"]+">{shown}</time> from 5 comparisons, '
                     r"intervals from 200 bootstrap refits\.</p>", page)
    assert "<td>1000</td>" in page

    rank_again(project, annotators[1], codebook)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.get(url).content.decode()
    assert "from 5 comparisons" in page and "3 new comparisons since; refit queued." in page and len(callbacks) == 1
