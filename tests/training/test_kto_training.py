"""KTO really trains on unpaired thumbs up/down, and is evaluated on pairs built from an
unpaired held-out file (or a preference one)."""

from training_fixtures import TINY_HP, make_run_dir, preference_rows, unpaired_rows

from training.progress import read_progress
from training.run import train


def test_kto_learns_from_unpaired_labels(tmp_path, tiny_model_dir):
    run_dir = make_run_dir(
        tmp_path,
        algorithm="kto",
        base_model=str(tiny_model_dir),
        train_rows=unpaired_rows(16),
        eval_rows=unpaired_rows(8, seed=1, start=1000),  # unpaired held-out: paired per prompt
        hyperparameters=TINY_HP,
    )
    metrics = train(run_dir / "spec.json")

    steps = [e for e in read_progress(run_dir / "progress.jsonl") if e["event"] == "progress"]
    assert steps[-1]["loss"] < steps[0]["loss"]
    assert steps[-1]["reward_margin"] > steps[0]["reward_margin"]
    assert all(e["reward_accuracy"] is None for e in steps)  # KTO logs no paired accuracy

    assert metrics["train_rows"] == 32
    new, base = metrics["eval"]["new"], metrics["eval"]["base"]
    assert new["rows"] == base["rows"] == 8  # one desirable x one undesirable per prompt
    assert new["preference_accuracy"] > base["preference_accuracy"]
    assert new["implicit_reward_accuracy"] > 0.5


def test_kto_takes_a_preference_file_for_training_and_evaluation(tmp_path, tiny_model_dir):
    run_dir = make_run_dir(
        tmp_path,
        algorithm="kto",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(8),
        eval_rows=preference_rows(4, seed=1, start=1000),
        hyperparameters={**TINY_HP, "max_steps": 2},
    )
    metrics = train(run_dir / "spec.json")
    assert metrics["train_rows"] == 16 and metrics["steps"] == 2
    assert metrics["eval"]["new"]["rows"] == 4
