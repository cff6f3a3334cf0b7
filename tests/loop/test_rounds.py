"""Generation rounds on the tiny model: candidates recorded with what produced them,
tasks made from them, and failures reported."""
import os
import threading
import time

import pytest

from feedback.artifacts import local_path, name_of
from feedback.labelling.models import Candidate, ProducerKind, Task, TaskKind
from feedback.loop.models import AdapterStatus, AdapterVersion, GenerationRound, RunStatus
from feedback.loop.services.rounds import (
    RoundError, round_cancel, round_config, round_execute, round_request, rounds_fail_orphaned,
)
from tests.support.rows import jsonl_lines
from tests.support.models import save_random_lora


@pytest.fixture
def prompts_project(project, codebook, tiny_model_dir, settings, model_cache):
    from feedback.labelling.services.imports import import_jsonl

    settings.MODEL_CACHE_DIR = model_cache
    project.base_model = str(tiny_model_dir)
    project.save()
    import_jsonl(project=project, lines=jsonl_lines(
        [{"external_id": f"g-{i}", "prompt": f"Tell me something about number {i}."} for i in range(6)]
    ))
    return project


@pytest.fixture
def lora_adapter(prompts_project, tiny_model_dir):
    """A LoRA adapter with non-zero weights, registered as the promoted v1."""
    folder = save_random_lora(tiny_model_dir, local_path("adapters/v1"))
    return AdapterVersion.objects.create(
        project=prompts_project, version=1, algorithm="dpo", base_model=prompts_project.base_model,
        directory=name_of(folder), weights_sha256="0" * 64,
        status=AdapterStatus.PROMOTED,
    )


def new_round(project, adapter=None, **config):
    return GenerationRound.objects.create(project=project, adapter=adapter, config=round_config(**config))


def test_settings_are_checked():
    for bad in ({"kind": "poll"}, {"pairing": "random"}, {"split": "test"}, {"prompts": 0}, {"colour": "red"}):
        with pytest.raises(RoundError):
            round_config(**bad)


def test_base_model_round_makes_pair_tasks_from_two_samples(prompts_project):
    generation = round_execute(round_id=new_round(prompts_project, prompts=4, split="any", pairing="samples",
                                         max_new_tokens=8, temperature=1.0).pk)
    assert generation.status == RunStatus.SUCCEEDED, generation.failure_reason
    assert generation.done == generation.total == 8 and generation.metrics["prompts"] == 4  # 4 prompts × 2 samples
    tasks = Task.objects.filter(generation_round=generation)
    assert tasks.count() + generation.metrics["identical_outputs"] == 4
    assert all(task.kind == TaskKind.PAIR and task.candidate_count == 2 for task in tasks)
    candidates = Candidate.objects.filter(generation_round=generation)
    assert {c.producer_kind for c in candidates} == {ProducerKind.BASE}
    assert {c.sampling["seed"] for c in candidates} == {generation.pk, generation.pk + 1}
    assert all(c.sampling["temperature"] == 1.0 and c.sampling["max_new_tokens"] == 8 for c in candidates)
    assert generation.metrics["tokens_per_second"] > 0


def test_adapter_round_pits_the_adapter_against_its_predecessor(prompts_project, lora_adapter):
    generation = round_execute(round_id=new_round(prompts_project, lora_adapter, prompts=3, split="any", max_new_tokens=8,
                                         temperature=0.0).pk)
    assert generation.status == RunStatus.SUCCEEDED, generation.failure_reason
    for task in Task.objects.filter(generation_round=generation):
        producers = {c.producer_kind: c for c in task.candidates.all()}
        assert producers[ProducerKind.ADAPTER].adapter == lora_adapter
        assert producers[ProducerKind.BASE].producer_name == prompts_project.base_model
    assert Task.objects.filter(generation_round=generation).count() >= 1


def test_a_failing_generator_fails_the_round_with_the_reason(prompts_project):
    prompts_project.base_model = "/nowhere/model"
    prompts_project.save()
    generation = round_execute(round_id=new_round(prompts_project, prompts=2, split="any", pairing="samples").pk)
    assert generation.status == RunStatus.FAILED and "/nowhere/model" in generation.failure_reason
    assert not Task.objects.filter(generation_round=generation).exists()


def test_pairing_previous_needs_an_adapter(prompts_project):
    generation = round_execute(round_id=new_round(prompts_project, prompts=2, split="any", pairing="previous").pk)
    assert generation.status == RunStatus.FAILED and "needs an adapter" in generation.failure_reason


def test_request_enqueues_after_commit_with_the_promoted_adapter(prompts_project, lora_adapter,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        generation = round_request(project=prompts_project, prompts=5)
    assert generation.adapter == lora_adapter and generation.status == RunStatus.QUEUED and len(callbacks) == 1


def wait_until_generating(round_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        generation = GenerationRound.objects.get(pk=round_id)
        if generation.phase == "generating" and generation.worker_pid:
            return generation
        if generation.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            break
        time.sleep(0.2)
    raise AssertionError(f"round never started generating: {generation.status} {generation.failure_reason}")


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_the_generator_and_says_so(prompts_project):
    generation = new_round(prompts_project, prompts=6, split="any", pairing="samples", max_new_tokens=4000,
                           batch_size=1)
    assert generation.stage_text == "waiting for the training worker"
    thread = threading.Thread(target=round_execute, kwargs={"round_id": generation.pk})
    thread.start()
    running = wait_until_generating(generation.pk)
    round_cancel(generation=running)
    thread.join(60)
    generation.refresh_from_db()
    assert generation.status == RunStatus.CANCELLED and generation.finished_at
    assert generation.failure_reason == "Cancelled by a person; the generator was stopped."
    assert not Task.objects.filter(generation_round=generation).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(running.worker_pid, 0)  # the generator's process is gone


def test_a_queued_round_is_cancelled_at_once(prompts_project):
    generation = round_cancel(generation=new_round(prompts_project, prompts=2))
    assert generation.status == RunStatus.CANCELLED and generation.failure_reason == "Cancelled before it started."


def test_rounds_orphaned_by_a_worker_restart_are_failed(prompts_project):
    orphan = new_round(prompts_project, prompts=2)
    GenerationRound.objects.filter(pk=orphan.pk).update(status=RunStatus.RUNNING)
    assert rounds_fail_orphaned() == 1
    orphan.refresh_from_db()
    assert orphan.status == RunStatus.FAILED and "restarted during the round" in orphan.failure_reason
