"""Snapshot JSONL → checked rows in TRL's formats."""

import pytest
from training_fixtures import preference_rows, unpaired_rows, write_jsonl

from training.config import SpecError
from training.data import load_eval_pairs, load_preference_rows, load_unpaired_rows

USER = [{"role": "user", "content": "hi"}]


def assistant(text):
    return [{"role": "assistant", "content": text}]


def test_conversational_rows_keep_only_trl_columns(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", preference_rows(3))
    rows = load_preference_rows(path)
    assert len(rows) == 3
    assert set(rows[0]) == {"prompt", "chosen", "rejected"}  # agreement, task_id dropped
    assert rows[0]["prompt"][0]["role"] == "user" and rows[0]["chosen"][0]["role"] == "assistant"


def test_plain_text_rows(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", preference_rows(2, conversational=False))
    rows = load_preference_rows(path)
    assert isinstance(rows[0]["prompt"], str) and set(rows[0]) == {"prompt", "chosen", "rejected"}


def test_message_metadata_is_dropped(tmp_path):
    prompt = [{"role": "user", "content": "hi", "name": "ann"}]
    row = {"prompt": prompt, "chosen": assistant("a"), "rejected": assistant("b")}
    rows = load_preference_rows(write_jsonl(tmp_path / "t.jsonl", [row]))
    assert rows[0]["prompt"] == USER


@pytest.mark.parametrize(
    "lines, message",
    [
        (['{"prompt": "a", "chosen": "b", "rejected": "c"}', "{not json"], "line 2: not valid JSON"),
        (['{"prompt": "a", "chosen": "b"}'], "line 1: expected keys prompt/chosen/rejected"),
        (['{"prompt": "a", "chosen": "b", "rejected": "c"}', '{"prompt": "a", "chosen": "b"}'],
         "line 2: missing rejected"),
        (['{"prompt": "a", "chosen": "b", "rejected": "c"}', '{"prompt": [], "chosen": "b", "rejected": "c"}'],
         "line 2: prompt must be text"),
        (['{"prompt": [{"role": "user", "content": "x"}], "chosen": [{"role": "user", "content": "y"}], '
          '"rejected": [{"role": "assistant", "content": "z"}]}'], "line 1: chosen must be one or more assistant"),
        (['{"prompt": [{"role": "wizard", "content": "x"}], "chosen": [], "rejected": []}'], r"prompt\[0\] must be"),
        (['{"prompt": "a", "chosen": "", "rejected": "c"}'], "chosen must be non-empty text"),
        (["", "  "], "has no rows"),
        (["[1, 2]"], "expected a JSON object"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, lines, message):
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=message):
        load_preference_rows(path)


def test_unpaired_rows_and_label_check(tmp_path):
    rows = load_unpaired_rows(write_jsonl(tmp_path / "kto.jsonl", unpaired_rows(2)))
    assert [r["label"] for r in rows] == [True, False, True, False]
    assert set(rows[0]) == {"prompt", "completion", "label"}

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "a", "completion": "b", "label": 1}])
    with pytest.raises(SpecError, match="line 1: label must be true or false"):
        load_unpaired_rows(bad)


def test_kto_accepts_a_preference_file_by_unpairing_it(tmp_path):
    rows = load_unpaired_rows(write_jsonl(tmp_path / "pref.jsonl", preference_rows(2)))
    assert len(rows) == 4
    assert rows[0]["completion"] == rows[2]["completion"]  # the same chosen phrase, label true
    assert [r["label"] for r in rows] == [True, False, True, False]


def test_eval_pairs_from_unpaired_rows_pair_up_per_prompt(tmp_path):
    rows = [
        {"prompt": USER, "completion": assistant("good 1"), "label": True},
        {"prompt": USER, "completion": assistant("good 2"), "label": True},
        {"prompt": USER, "completion": assistant("bad"), "label": False},
        # a prompt with only a thumbs-up says nothing about a preference
        {"prompt": [{"role": "user", "content": "other"}], "completion": assistant("x"), "label": True},
    ]
    pairs = load_eval_pairs(write_jsonl(tmp_path / "heldout.jsonl", rows))
    assert [(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in pairs] == [
        ("good 1", "bad"),
        ("good 2", "bad"),
    ]


def test_eval_pairs_from_a_preference_file(tmp_path):
    pairs = load_eval_pairs(write_jsonl(tmp_path / "heldout.jsonl", preference_rows(5)))
    assert len(pairs) == 5 and set(pairs[0]) == {"prompt", "chosen", "rejected"}
