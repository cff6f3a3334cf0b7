from rest_framework.test import APIClient

from feedback.labelling.models import Role
from feedback.loop.services.leaderboard_fits import leaderboard_refit
from tests.support.leaderboard import rank_again, seed_leaderboard_project


def test_leaderboard_endpoint_by_role(project, annotators, codebook, make_user, django_capture_on_commit_callbacks):
    seed_leaderboard_project(project, annotators, codebook)
    client = APIClient()
    url = f"/api/v1/projects/{project.slug}/leaderboard/"
    client.force_authenticate(annotators[0])
    assert client.get(url).status_code == 403
    client.force_authenticate(make_user("rita", project=project, role=Role.REVIEWER))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = {row["version"]: row for row in client.get(url).json()}
    assert len(callbacks) == 1  # the refit is queued, not run in the request
    assert rows["v1"]["comparisons"] == 4 and rows["v1"]["rating"] is None
    assert (rows["v1"]["computed_at"], rows["v1"]["fitted_comparisons"], rows["v1"]["stale"]) == (None, 0, True)
    client.force_authenticate(make_user("eve"))
    assert client.get(url).status_code == 404


def test_leaderboard_says_when_its_ratings_were_fitted(project, annotators, codebook, make_user,
                                                        django_capture_on_commit_callbacks):
    seed_leaderboard_project(project, annotators, codebook)
    fit = leaderboard_refit(project=project)
    client = APIClient()
    client.force_authenticate(make_user("rita", project=project, role=Role.REVIEWER))
    url = f"/api/v1/projects/{project.slug}/leaderboard/"
    rows = {row["version"]: row for row in client.get(url).json()}
    assert rows["base model"]["rating"] == 1000.0 and rows["v1"]["rating"] == round(fit.ratings["v1"]["rating"], 1)
    assert rows["v1"]["computed_at"] == fit.computed_at.isoformat().replace("+00:00", "Z")
    assert (rows["v1"]["fitted_comparisons"], rows["v1"]["stale"]) == (5, False)
    rank_again(project, annotators[1], codebook)
    with django_capture_on_commit_callbacks(execute=False):
        rows = {row["version"]: row for row in client.get(url).json()}
    assert (rows["v1"]["comparisons"], rows["v1"]["fitted_comparisons"], rows["v1"]["stale"]) == (6, 5, True)
