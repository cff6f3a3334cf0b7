"""The comparisons and thumbs per producer that labels give, on labels whose right answer is known."""
from feedback.quality.producer_tallies import producer_comparisons, producer_thumbs
from feedback.quality.producers import BASE
from tests.support.leaderboard import seed_leaderboard_project


def test_comparisons_from_pairs_rankings_and_thumbs(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    assert producer_comparisons(project) == {
        ("v1", BASE, 1.0): 2, ("v1", BASE, 0.5): 1,  # pair: A, tie (both bad skipped); the ranking's v1 > base
        ("imported: other", "v1", 1.0): 1, ("imported: other", BASE, 1.0): 1,  # the rest of the ranking
    }
    assert producer_thumbs(project) == {"v1": (2, 2), BASE: (1, 2)}
