"""`python -m training train RUN_DIR/spec.json` as the Django side runs it: a subprocess
whose outputs, exit codes and failure modes are the contract."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from training_fixtures import REPO, TINY_HP, cli_env, make_run_dir, preference_rows, run_cli, torchrun

from training.progress import read_progress
from training.run import train

RUN_OUTPUTS = {"spec.json", "snapshot", "progress.jsonl", "adapter", "metrics.json"}


def test_train_command_writes_the_promised_outputs(tmp_path, tiny_model_dir, heldout_rows, model_cache):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    run_dir = short_run_dir(tmp_path, tiny_model_dir, heldout_rows)
    done = run_cli(["train", str(run_dir / "spec.json")], model_cache)
    assert done.returncode == 0, done.stderr

    # stdout carries exactly the progress lines, nothing else
    assert done.stdout.splitlines() == (run_dir / "progress.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in done.stdout.splitlines()]
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == [1, 2, 3, 4]
    for event in progress:
        assert set(event) == {
            "event", "step", "total", "epoch", "loss", "reward_accuracy", "reward_margin", "tokens_per_second", "time",
        }
    assert events[-1] == {"event": "phase", "phase": "done", "time": events[-1]["time"]}

    # only the promised files: no scratch folders left behind
    assert {p.name for p in run_dir.iterdir()} == RUN_OUTPUTS
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in ("algorithm", "device", "dtype", "steps", "train_loss", "runtime_seconds", "tokens_per_second",
                "train_rows", "eval", "adapter"):
        assert metrics[key] is not None, key
    assert metrics["steps"] == 4 and metrics["train_rows"] == 16
    assert set(metrics["eval"]) == {"new", "base"}

    adapter = run_dir / "adapter"
    weights = adapter / "adapter_model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert metrics["adapter"]["sha256"] == digest
    assert (adapter / "weights.sha256").read_text() == f"{digest}  adapter_model.safetensors\n"
    assert (adapter / "adapter_config.json").is_file() and (adapter / "tokenizer.json").is_file()

    # the adapter loads onto the base with plain PEFT and changes its outputs
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        before = base(ids).logits
        after = PeftModel.from_pretrained(base, adapter)(ids).logits
    assert not torch.allclose(before, after)


def spec_change(run_dir, **change):
    body = json.loads((run_dir / "spec.json").read_text()) | change
    (run_dir / "spec.json").write_text(json.dumps(body))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"algorithm": "ppo"}, "unknown algorithm 'ppo'"),
        ({"train_file": "snapshot/missing.jsonl"}, "train_file not found"),
        ({"hyperparameters": {"learning_rat": 1e-4}}, "unknown hyperparameter(s) for DPOHyperparameters: learning_rat"),
        ({"base_model": "gpt-17"}, "base_model 'gpt-17' is neither a known model name"),
        ("bad row", "train.jsonl line 3: chosen must be one or more assistant messages"),
    ],
)
def test_bad_input_fails_fast_with_a_readable_message(tmp_path, tiny_model_dir, model_cache, change, message):
    rows = preference_rows(4)
    if change == "bad row":
        rows[2]["chosen"] = [{"role": "user", "content": "not an answer"}]
    run_dir = make_run_dir(tmp_path, algorithm="dpo", base_model=str(tiny_model_dir), train_rows=rows)
    if change != "bad row":
        spec_change(run_dir, **change)

    done = run_cli(["train", str(run_dir / "spec.json")], model_cache, timeout=60)

    assert done.returncode == 2
    assert f"error: {message}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (run_dir / "adapter").exists() and not (run_dir / "metrics.json").exists()
    events = read_progress(run_dir / "progress.jsonl")
    assert events[-1]["event"] == "error" and message in events[-1]["message"]


def test_a_finished_run_directory_is_not_reused(dpo_run, model_cache):
    before = (dpo_run / "progress.jsonl").read_text()
    done = run_cli(["train", str(dpo_run / "spec.json")], model_cache, timeout=60)
    assert done.returncode == 2 and "already holds a finished run" in done.stderr
    assert (dpo_run / "progress.jsonl").read_text() == before  # its log is left alone


def start_training(run_dir, model_cache, launcher=(sys.executable,)):
    """Start the CLI and return once it reports its first training step."""
    process = subprocess.Popen(
        [*launcher, "-m", "training", "train", str(run_dir / "spec.json")],
        cwd=REPO,
        env=cli_env(model_cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as the worker starts it
    )
    for line in process.stdout:
        if json.loads(line)["event"] == "progress":
            return process
    process.kill()
    raise AssertionError(f"no progress line; stderr: {process.stderr.read()[-2000:]}")


def short_run_dir(tmp_path, tiny_model_dir, heldout_rows, **hyperparameters):
    """Four DPO steps on 16 rows, with held-out rows to evaluate on."""
    return make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(16),
        eval_rows=heldout_rows,
        hyperparameters={**TINY_HP, "max_steps": 4, **hyperparameters},
    )


def long_run_dir(tmp_path, tiny_model_dir):
    return make_run_dir(
        tmp_path,
        algorithm="dpo",
        base_model=str(tiny_model_dir),
        train_rows=preference_rows(32),
        hyperparameters={**TINY_HP, "max_steps": 500},  # minutes of work: it is stopped long before
    )


def test_killed_run_leaves_no_adapter_and_a_retry_succeeds(tmp_path, tiny_model_dir, model_cache):
    run_dir = long_run_dir(tmp_path, tiny_model_dir)
    process = start_training(run_dir, model_cache)
    try:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode == -signal.SIGKILL
    assert not (run_dir / "adapter").exists()
    assert not (run_dir / "metrics.json").exists()
    assert read_progress(run_dir / "progress.jsonl")[-1]["event"] == "progress"

    # The same RUN_DIR can be run again (a Celery retry): leftovers are cleared.
    spec_change(run_dir, hyperparameters={**TINY_HP, "max_steps": 1})
    train(run_dir / "spec.json")
    assert {p.name for p in run_dir.iterdir()} == RUN_OUTPUTS


def test_terminated_run_says_so_and_cleans_up(tmp_path, tiny_model_dir, model_cache):
    run_dir = long_run_dir(tmp_path, tiny_model_dir)
    process = start_training(run_dir, model_cache)
    try:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert read_progress(run_dir / "progress.jsonl")[-1]["message"] == "terminated (exit code 143)"
    assert {p.name for p in run_dir.iterdir()} == {"spec.json", "snapshot", "progress.jsonl"}


def test_the_same_command_runs_as_several_processes(tmp_path, tiny_model_dir, heldout_rows, model_cache):
    """Multi-GPU runs are the same entry point under `accelerate launch`, whose multi-GPU
    launcher is torchrun. Two CPU processes under torchrun (gloo) stand in for two GPUs
    (accelerate launches a single process on CPU): they train together, and the run
    directory gets one set of outputs, written by the main process alone."""
    run_dir = short_run_dir(tmp_path, tiny_model_dir, heldout_rows, per_device_train_batch_size=2)
    done = run_cli(["train", str(run_dir / "spec.json")], model_cache, launcher=torchrun(2))
    assert done.returncode == 0, done.stderr[-4000:]

    events = read_progress(run_dir / "progress.jsonl")
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 2, 3, 4]  # once each, not per process
    assert [e["phase"] for e in events if e["event"] == "phase"].count("done") == 1
    assert {p.name for p in run_dir.iterdir()} == RUN_OUTPUTS
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["steps"] == 4
    assert set(metrics["eval"]) == {"new", "base"}
    weights = run_dir / "adapter" / "adapter_model.safetensors"
    assert metrics["adapter"]["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_killing_the_launcher_stops_every_process(tmp_path, tiny_model_dir, model_cache):
    """torchrun puts each worker in a session of its own, so SIGKILL of the launcher's
    process group (the supervisor's last resort) does not reach them: they follow their
    parent's death instead, and nothing trains on unseen."""
    run_dir = long_run_dir(tmp_path, tiny_model_dir)
    process = start_training(run_dir, model_cache, launcher=torchrun(2))
    try:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while _processes_running(run_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _processes_running(run_dir)
    finally:
        process.kill()
        for pid in _processes_running(run_dir):
            os.kill(pid, signal.SIGKILL)
    assert not (run_dir / "metrics.json").exists() and not (run_dir / "adapter").exists()


def _processes_running(run_dir) -> list[int]:
    """Pids of live processes whose command line names this run's spec."""
    spec, pids = str(run_dir / "spec.json"), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if spec.encode() in args and state != "Z":
            pids.append(int(entry))
    return pids
