"""Producer keys and the thumbs-up count per producer, shared by the dashboard and the
leaderboard."""
from feedback.quality.producers import BASE, ThumbsByProducer, producer_key


def test_producer_keys_name_versions_the_base_model_and_imports():
    assert producer_key("adapter", "policy", 3) == "v3"
    assert producer_key("base", "SmolLM2", None) == BASE
    assert producer_key("imported", "gpt", None) == "imported: gpt"


def test_thumbs_are_counted_per_producer_and_unknown_responses_left_out():
    thumbs = ThumbsByProducer()
    thumbs.add({"thumbs": {"0": "up", "1": "down"}}, {0: "v1", 1: BASE})
    thumbs.add({"thumbs": {"0": "up", "1": "up", "2": "up"}}, {0: "v1", 1: BASE})
    thumbs.add({}, {0: "v1"})
    assert dict(thumbs) == {"v1": [2, 2], BASE: [1, 2]}
    assert thumbs.shares() == [("v1", 1.0, 2), (BASE, 0.5, 2)]
