"""The ratings dataset and rating-derived pairs over the API, and a snapshot of them."""
import json

from feedback.exports.filters import ExportFilters
from feedback.exports.services import snapshot_create, snapshot_path
from tests.support.rated_labels import rated  # noqa: F401  (fixture)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_ratings_and_rating_pairs_download(api_as, project, rated, admin_user):  # noqa: F811
    api = api_as(admin_user)
    response = api.get(f"/api/v1/projects/{project.slug}/export/?dataset=ratings&columns=votes")
    rows = [json.loads(line) for line in body_of(response).decode().splitlines()]
    assert response.status_code == 200 and len(rows) == 9 and {"helpfulness_std", "votes"} <= set(rows[0])
    manifest = api.get(f"/api/v1/projects/{project.slug}/export/manifest/?dataset=preference&source=both&min_margin=0.5").json()
    assert manifest["filters"]["source"] == "both" and manifest["excluded"]["below_min_margin"] == 4


def test_bad_rating_options_are_400s_naming_the_parameter(api_as, project, rated, admin_user):  # noqa: F811
    api = api_as(admin_user)
    for query, says in [("source=votes", "source: one of"), ("rejected=all", "rejected: one of"),
                        ("min_margin=nan", "min_margin"), ("dataset=ratings&columns=task_id", "a ratings row can add")]:
        response = api.get(f"/api/v1/projects/{project.slug}/export/?{query}")
        assert response.status_code == 400 and says in str(response.json()), query


def test_a_preference_snapshot_of_rating_pairs(project, rated, admin_user):  # noqa: F811
    snapshot = snapshot_create(project=project, dataset="preference", filters=ExportFilters(source="ratings"), user=admin_user)
    assert sum(snapshot.row_counts.values()) == 4 and snapshot.filters["source"] == "ratings"
    folder = snapshot_path(snapshot)
    rows = [json.loads(line) for name in ("train.jsonl", "heldout.jsonl") for line in (folder / name).read_text().splitlines()]
    assert len(rows) == 4 and {row["source"] for row in rows} == {"ratings"}
