"""The quick variant of simulate_loop: tiny model, one round, the whole chain — generation,
labelling through the REST API, snapshot, DPO run, evaluation, gate, judged win rate."""
import json

from django.core.management import call_command

from feedback.labelling.models import Label
from feedback.loop.models import AdapterVersion, GenerationRound, TrainingRun
from tests.support.training_settings import TINY_HP


def test_one_round_end_to_end(db, tiny_model_dir, settings, model_cache, tmp_path, capsys):
    settings.MODEL_CACHE_DIR = model_cache
    out = tmp_path / "table.json"
    call_command("simulate_loop", rules="shorter", rounds=1, prompts=10, heldout_prompts=12, annotators=3,
                 base_model=str(tiny_model_dir), max_new_tokens=10, hyperparameters=json.dumps(TINY_HP),
                 json_out=str(out))
    printed = capsys.readouterr().out
    row = json.loads(out.read_text())["shorter"][0]
    generation = GenerationRound.objects.get()
    tasks = generation.tasks.count()
    assert tasks >= 5 and row["labels"] == 3 * tasks  # every task fully labelled, through the API
    assert Label.objects.filter(task__generation_round=generation, annotator__username__startswith="sim-").count() == 3 * tasks
    run = TrainingRun.objects.get()
    assert run.status == "succeeded" and run.trigger == "simulate"
    adapter = AdapterVersion.objects.get()
    assert row["adapter"] == "v1" and row["promoted"] == (adapter.status == "promoted")
    assert row["new_accuracy"] == adapter.eval_metrics["new"][row["gate_metric"]]
    # 12 held-out prompts make at most 12 held-out pairs: under the gate's default minimum.
    assert 0 < row["eval_pairs"] <= generation.tasks.filter(prompt__split="heldout").count() <= 12
    assert adapter.status == "rejected" and row["gate_reason"].startswith(
        f"Not enough held-out data ({row['eval_pairs']} of 30 pairs)")
    assert row["win_rate"] is None
    assert "Rule shorter" in printed and "win vs base" in printed and "gate: Not enough held-out data" in printed
