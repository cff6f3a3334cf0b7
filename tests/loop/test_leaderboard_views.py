from django.urls import reverse

from feedback.labelling.models import Role
from tests.support.leaderboard import seed_leaderboard_project


def test_reviewers_see_the_leaderboard_annotators_do_not(client, project, annotators, codebook, make_user):
    url = reverse("loop:leaderboard", args=[project.slug])
    client.force_login(make_user("rita", project=project, role=Role.REVIEWER))
    assert "No comparisons between versions yet" in client.get(url).content.decode()
    seed_leaderboard_project(project, annotators, codebook)
    page = client.get(url).content.decode()
    assert "<strong>v1</strong>" in page and "base model" in page and "<svg" in page
    client.force_login(annotators[0])
    assert client.get(url).status_code == 403
