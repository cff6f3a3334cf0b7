"""Progress lines: the same JSON lines in progress.jsonl and on the stream."""

import io
import json

from training.progress import ProgressWriter, read_progress


def test_lines_go_to_file_and_stream_alike(tmp_path):
    stream = io.StringIO()
    writer = ProgressWriter(tmp_path / "progress.jsonl", stream)
    writer.phase("loading")
    writer.write({"event": "progress", "step": 1, "total": 2, "loss": 0.69})
    writer.error("boom")
    writer.close()

    lines = (tmp_path / "progress.jsonl").read_text().splitlines()
    assert lines == stream.getvalue().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events] == ["phase", "progress", "error"]
    assert all(isinstance(e["time"], float) for e in events)


def test_reader_skips_a_torn_last_line(tmp_path):
    path = tmp_path / "progress.jsonl"
    path.write_text('{"event": "phase", "phase": "loading"}\n{"event": "progr')
    assert read_progress(path) == [{"event": "phase", "phase": "loading"}]


def test_a_new_attempt_starts_the_log_afresh(tmp_path):
    (tmp_path / "progress.jsonl").write_text('{"event": "old"}\n')
    ProgressWriter(tmp_path / "progress.jsonl").close()
    assert read_progress(tmp_path / "progress.jsonl") == []
