from rest_framework.test import APIClient

from feedback.labelling.models import Role
from tests.support.leaderboard import seed_leaderboard_project


def test_leaderboard_endpoint_by_role(project, annotators, codebook, make_user):
    seed_leaderboard_project(project, annotators, codebook)
    client = APIClient()
    url = f"/api/v1/projects/{project.slug}/leaderboard/"
    client.force_authenticate(annotators[0])
    assert client.get(url).status_code == 403
    client.force_authenticate(make_user("rita", project=project, role=Role.REVIEWER))
    rows = {row["version"]: row for row in client.get(url).json()}
    assert rows["base model"]["rating"] == 1000.0 and rows["v1"]["comparisons"] == 4
    client.force_authenticate(make_user("eve"))
    assert client.get(url).status_code == 404
