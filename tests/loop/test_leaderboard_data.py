"""The leaderboard's rows: live counts from the project's tallies beside the stored fit's
ratings, on labels whose comparisons are known."""
from feedback.loop.leaderboard_data import leaderboard
from feedback.loop.services.leaderboard_fits import leaderboard_refit
from feedback.quality.producers import BASE
from tests.support.leaderboard import rank_again, seed_leaderboard_project


def test_counts_are_live_and_ratings_wait_for_a_fit(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    board = leaderboard(project)
    rows = {row["version"]: row for row in board.rows}
    assert (rows["v1"]["wins"], rows["v1"]["ties"], rows["v1"]["losses"]) == (2, 1, 1)
    assert rows["v1"]["win_rate"] == round(2.5 / 4, 4)
    assert rows["v1"]["thumbs_up_share"] == 1.0 and rows[BASE]["thumbs_up_share"] == 0.5
    assert all(row["rating"] is None for row in board.rows)
    assert board.stale and board.computed_at is None and board.comparison_count == 5 and board.fitted_count == 0


def test_rows_carry_the_stored_ratings_until_the_labels_move_on(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    fit = leaderboard_refit(project=project)
    board = leaderboard(project)
    rows = {row["version"]: row for row in board.rows}
    assert not board.stale and board.computed_at == fit.computed_at and board.fitted_count == 5
    assert board.bootstrap == 200
    assert rows[BASE]["rating"] == 1000.0  # the anchor
    assert rows["v1"]["rating"] == round(fit.ratings["v1"]["rating"], 1) > 1000
    assert rows["v1"]["ci_low"] <= rows["v1"]["rating"] <= rows["v1"]["ci_high"]
    assert board.rows[0]["version"] == "imported: other"  # best rating first

    rank_again(project, annotators[1], codebook)
    later = leaderboard(project)
    assert later.stale and later.new_comparisons == 3 and later.fitted_count == 5
    assert {row["version"]: row["rating"] for row in later.rows} == {row["version"]: row["rating"] for row in board.rows}
    assert {row["version"]: row for row in later.rows}["v1"]["comparisons"] == 6  # counts are the labels' now
