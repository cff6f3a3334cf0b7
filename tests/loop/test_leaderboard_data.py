"""Labels → comparisons between producers, and the leaderboard's rows, on labels whose
right answer is known."""
from feedback.loop.leaderboard_data import comparisons_for, leaderboard
from feedback.quality.producers import BASE
from tests.support.leaderboard import seed_leaderboard_project


def test_comparisons_from_pairs_rankings_and_thumbs(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    found = comparisons_for(project)
    assert sorted(zip(found.first, found.second, found.score)) == sorted([
        ("v1", BASE, 1.0), ("v1", BASE, 0.5),  # pair: A, tie (both bad skipped)
        ("imported: other", "v1", 1.0), ("imported: other", BASE, 1.0), ("v1", BASE, 1.0),  # the ranking
    ])
    assert dict(found.thumbs) == {"v1": [2, 2], BASE: [1, 2]}


def test_leaderboard_rows(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    rows = {row["version"]: row for row in leaderboard(project, bootstrap=50)}
    assert rows[BASE]["rating"] == 1000.0  # the anchor
    assert rows["v1"]["rating"] > 1000 and rows["v1"]["ci_low"] <= rows["v1"]["rating"] <= rows["v1"]["ci_high"]
    assert (rows["v1"]["wins"], rows["v1"]["ties"], rows["v1"]["losses"]) == (2, 1, 1)
    assert rows["v1"]["win_rate"] == round(2.5 / 4, 4)
    assert rows["v1"]["thumbs_up_share"] == 1.0 and rows[BASE]["thumbs_up_share"] == 0.5
    assert [row["version"] for row in leaderboard(project, bootstrap=0)][0] == "imported: other"
