"""Files: JSONL, Parquet and `datasets` directories with manifests; the command; snapshots."""
import json
import stat

import pytest
from django.core.management import CommandError, call_command

from feedback.exports.filters import ExportFilters
from feedback.exports.models import Snapshot
from feedback.exports.services import export_to_path, snapshot_create, snapshot_path
from feedback.exports.writers import file_sha256
from feedback.labelling.models import Prompt, Split
from tests.support.known_labels import TEXTS


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "datasets"])
def test_each_format_holds_the_same_rows_and_a_manifest(project, known_labels, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    manifest = export_to_path(project=project, dataset="preference", fmt=fmt, path=path, filters=ExportFilters(),
                              columns=("agreement",))
    if fmt == "jsonl":
        data = [json.loads(line) for line in path.read_text().splitlines()]
        assert manifest["sha256"] == file_sha256(path)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        data = pq.read_table(path).to_pylist()
        assert manifest["sha256"] == file_sha256(path)
    else:
        from datasets import load_from_disk

        data = load_from_disk(str(path)).to_list()
    assert len(data) == manifest["rows_total"] == 5
    assert {(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in data} >= {tuple(TEXTS["pair-majority"][:2])}
    on_disk = json.loads((tmp_path / f"out.{fmt}.manifest.json").read_text())
    assert on_disk == manifest
    # 18 labels: the pair and rank tasks (thumbs labels are not read for preference data).
    assert manifest["excluded"]["tie"] == 1 and manifest["labels"] == 18 and manifest["filters"]["max_label_id"]
    assert set(manifest) >= {"rows", "filters", "sha256", "created_at", "dataset", "format"}


def test_raw_parquet_keeps_answers_as_json(project, known_labels, tmp_path):
    import pyarrow.parquet as pq

    export_to_path(project=project, dataset="raw", fmt="parquet", path=tmp_path / "raw.parquet", filters=ExportFilters())
    table = pq.read_table(tmp_path / "raw.parquet").to_pylist()
    assert len(table) == 21 and all(isinstance(json.loads(row["answer"]), dict) for row in table)


def test_same_export_twice_is_byte_identical(project, known_labels, tmp_path):
    a = export_to_path(project=project, dataset="preference", fmt="jsonl", path=tmp_path / "a.jsonl", filters=ExportFilters())
    b = export_to_path(project=project, dataset="preference", fmt="jsonl", path=tmp_path / "b.jsonl",
                       filters=ExportFilters(max_label_id=a["max_label_id"]))
    assert a["sha256"] == b["sha256"]


def test_export_command(project, known_labels, tmp_path, capsys):
    out = tmp_path / "unpaired.jsonl"
    call_command("export", project=project.slug, dataset="unpaired", out=out, min_agreement="0.9")
    assert "Wrote 1 rows" in capsys.readouterr().out
    assert json.loads(out.read_text())["label"] is False
    assert (tmp_path / "unpaired.jsonl.manifest.json").exists()
    with pytest.raises(CommandError, match="min_agreement"):
        call_command("export", project=project.slug, out=out, min_agreement="2")
    with pytest.raises(CommandError, match="tier"):
        call_command("export", project=project.slug, out=out, tier="wizard")


def test_snapshot_is_frozen_split_and_recorded(project, known_labels, settings, tmp_path):
    settings.ARTIFACTS_DIR = tmp_path / "artifacts"
    snapshot = snapshot_create(project=project, dataset="preference")
    folder = snapshot_path(snapshot)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["heldout.jsonl", "manifest.json", "train.jsonl"]
    assert all(not (p.stat().st_mode & stat.S_IWUSR) for p in folder.iterdir())
    train = [json.loads(line) for line in (folder / "train.jsonl").read_text().splitlines()]
    heldout = [json.loads(line) for line in (folder / "heldout.jsonl").read_text().splitlines()]
    texts = dict(Prompt.objects.filter(project=project).values_list("messages__0__content", "split"))
    assert train and heldout
    # The split never leaks: every row sits in the file of its prompt's split.
    assert {texts[r["prompt"][0]["content"]] for r in train} == {Split.TRAIN}
    assert {texts[r["prompt"][0]["content"]] for r in heldout} == {Split.HELDOUT}
    assert all("split" not in r for r in train)
    assert snapshot.row_counts == {"train": len(train), "heldout": len(heldout)}
    assert snapshot.manifest["sha256"] == snapshot.sha256 and snapshot.label_count == 18
    assert Snapshot.objects.get() == snapshot


def test_unpaired_snapshot_carries_heldout_pairs_for_evaluation(project, known_labels, settings, tmp_path):
    settings.ARTIFACTS_DIR = tmp_path / "artifacts"
    snapshot = snapshot_create(project=project, dataset="unpaired")
    folder = snapshot_path(snapshot)
    assert (folder / "heldout_pairs.jsonl").exists()
    assert snapshot.manifest["files"]["heldout_pairs"] == "heldout_pairs.jsonl"
