"""Each dataset checked on hand-built labels where the right answer is known."""
import json

import pytest

from feedback.exports.builders.preference import preference_rows
from feedback.exports.builders.raw import pseudonym
from feedback.exports.datasets import BUILDERS, EXTRA_COLUMNS, FORMS, ExportSummary
from feedback.exports.filters import ExportFilters
from feedback.exports.writers import jsonl_chunks
from feedback.labelling.models import Candidate, Prompt, Split
from feedback.quality.models import Adjudication
from tests.support.known_labels import TEXTS


def rows(project, dataset, filters=None, **kw):
    summary = ExportSummary()
    out = list(BUILDERS[dataset](project, filters or ExportFilters(), summary, **kw))
    return out, summary


def pairs_of(rows_):
    return {(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows_}


def test_preference_majority_ranks_and_exclusions(project, known_labels):
    out, summary = rows(project, "preference", columns=("agreement", "strength", "votes"))
    by_pair = {(r["chosen"][0]["content"], r["rejected"][0]["content"]): r for r in out}
    m, r, v2 = TEXTS["pair-majority"], TEXTS["rank"], TEXTS["pair-v2"]
    assert set(by_pair) == {(m[0], m[1]), (r[0], r[1]), (r[2], r[0]), (r[2], r[1]), (v2[0], v2[1])}
    majority = by_pair[(m[0], m[1])]
    assert majority["agreement"] == pytest.approx(2 / 3, abs=1e-4) and majority["strength"] == 2.5 and majority["votes"] == 3
    assert by_pair[(r[2], r[1])]["agreement"] == 1.0
    assert by_pair[(r[0], r[1])]["agreement"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary.excluded == {"tie": 1, "both_bad": 1, "no_majority": 1, "rank_pair_no_majority": 0}
    assert majority["prompt"] == [{"role": "user", "content": "Prompt for pair-majority?"}]
    assert majority["chosen"] == [{"role": "assistant", "content": m[0]}]


def test_preference_plain_text_form(project, known_labels):
    out, _ = rows(project, "preference", form="text")
    first = next(r for r in out if r["chosen"] == TEXTS["pair-majority"][0])
    assert first == {"prompt": "Prompt for pair-majority?", "chosen": TEXTS["pair-majority"][0], "rejected": TEXTS["pair-majority"][1]}


def test_min_agreement_keeps_only_strong_pairs(project, known_labels):
    out, summary = rows(project, "preference", ExportFilters(min_agreement=0.9))
    assert pairs_of(out) == {(TEXTS["rank"][2], TEXTS["rank"][1]), (TEXTS["pair-v2"][0], TEXTS["pair-v2"][1])}
    assert summary.excluded["below_min_agreement"] == 3


def test_unpaired_thumbs_and_both_bad_negatives(project, known_labels):
    out, _ = rows(project, "unpaired", columns=("agreement",))
    got = sorted((r["completion"][0]["content"], r["label"], r["agreement"]) for r in out)
    t, b = TEXTS["thumbs"], TEXTS["pair-bad"]
    assert got == sorted([(t[0], True, 0.6667), (t[1], False, 1.0), (b[0], False, 0.6667), (b[1], False, 0.6667)])


def test_sft_from_rewrites(project, known_labels):
    out, _ = rows(project, "sft")
    assert out == [{"messages": [{"role": "user", "content": "Prompt for pair-majority?"},
                                 {"role": "assistant", "content": "A much better answer."}]}]
    text, _ = rows(project, "sft", form="text")
    assert text == [{"prompt": "Prompt for pair-majority?", "completion": "A much better answer."}]


def test_raw_has_every_label_pseudonymous(project, known_labels):
    out, summary = rows(project, "raw")
    assert len(out) == summary.labels == 21
    usernames = {u.username for u in known_labels["users"]}
    assert not usernames & {r["annotator"] for r in out}
    tina = known_labels["users"][0]
    mine = [r for r in out if r["annotator"] == pseudonym(project, tina.pk)]
    assert len(mine) == 7 and {r["tier"] for r in mine} == {"trainee"}
    row = out[0]
    assert set(row) >= {"codebook_version", "shown_order", "time_spent_ms", "candidates", "answer", "split"}
    assert row["candidates"][0] == {"position": 0, "kind": "imported", "name": "m0", "adapter_version": None}


def test_codebook_version_filter(project, known_labels):
    out, _ = rows(project, "preference", ExportFilters(codebook_versions=[2]))
    assert pairs_of(out) == {(TEXTS["pair-v2"][0], TEXTS["pair-v2"][1])}


def test_tier_filter_uses_only_those_annotators(project, known_labels):
    # Experts alone: pair-majority becomes B (the expert's vote), pair-tie becomes A.
    out, _ = rows(project, "preference", ExportFilters(tiers=["expert"]))
    m, t = TEXTS["pair-majority"], TEXTS["pair-tie"]
    assert (m[1], m[0]) in pairs_of(out) and (t[0], t[1]) in pairs_of(out)


def test_date_filter(project, known_labels):
    out, _ = rows(project, "preference", ExportFilters(until=known_labels["old"] + __import__("datetime").timedelta(seconds=1)))
    assert pairs_of(out) == {(TEXTS["pair-majority"][0], TEXTS["pair-majority"][1])}


@pytest.mark.parametrize("split", [Split.TRAIN, Split.HELDOUT])
def test_split_never_leaks(project, known_labels, split):
    out, summary = rows(project, "raw", ExportFilters(split=split))
    assert out and {r["split"] for r in out} == {split}
    assert set(summary.rows) == {split}


def test_adjudication_overrides_the_majority(project, known_labels, admin_user):
    task = known_labels["task"]["pair-split"]
    Adjudication.objects.create(task=task, answer={"choice": "B", "strength": None}, reviewer=admin_user)
    out, summary = rows(project, "preference", columns=("adjudicated",))
    adjudicated = [r for r in out if r["adjudicated"]]
    assert pairs_of(adjudicated) == {(TEXTS["pair-split"][1], TEXTS["pair-split"][0])}
    assert "no_majority" not in summary.excluded
    # An adjudicated "both bad" moves the task to the negatives of the unpaired set.
    Adjudication.objects.filter(task=task).update(answer={"choice": "both_bad", "strength": None})
    unpaired, _ = rows(project, "unpaired")
    assert {r["completion"][0]["content"] for r in unpaired} >= set(TEXTS["pair-split"][:2])


def test_max_label_id_pins_the_label_set(project, known_labels):
    first, summary = rows(project, "raw")
    pinned, _ = rows(project, "raw", ExportFilters(max_label_id=summary.max_label_id - 3))
    assert len(pinned) == len(first) - 3


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("weighted", [False, True])
def test_json_lines_are_exactly_the_rows_dumped(project, known_labels, form, weighted):
    """Preference JSONL is encoded straight from the query's columns; it must be the bytes
    json.dumps writes for the row dicts, escapes and all, whichever path a row takes."""
    tricky = 'Quote " back\\slash\nnew\ttab é 😀 \u2028 \x01 </script>'
    Candidate.objects.filter(text=TEXTS["pair-majority"][0]).update(text=tricky)
    Prompt.objects.filter(external_id__startswith="pair-majority").update(
        messages=[{"role": "system", "content": "Be brief ☃"}, {"role": "user", "content": 'Say "hi" 1\\2'}])
    filters = ExportFilters(weight_by_reliability=weighted)
    dicts = list(preference_rows(project, filters, ExportSummary(), form=form, columns=EXTRA_COLUMNS))
    text = b"".join(jsonl_chunks(preference_rows(project, filters, ExportSummary(), form=form, columns=EXTRA_COLUMNS)))
    dumped = [json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) for row in dicts]
    assert text.decode("utf-8").split("\n") == dumped + [""]
    chosen = [row["chosen"] if form == "text" else row["chosen"][0]["content"] for row in dicts]
    assert tricky in chosen  # the tricky row was exported, not skipped
