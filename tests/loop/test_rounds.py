"""Generation rounds on the tiny model: candidates recorded with what produced them,
tasks made from them, and failures reported."""
import pytest

from feedback.labelling.models import Candidate, ProducerKind, Task, TaskKind
from feedback.loop.models import AdapterStatus, AdapterVersion, GenerationRound, RunStatus
from feedback.loop.services.rounds import RoundError, round_config, round_execute, round_request
from tests.conftest import jsonl_lines
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
def lora_adapter(prompts_project, tiny_model_dir, settings):
    """A LoRA adapter with non-zero weights, registered as the promoted v1."""
    folder = save_random_lora(tiny_model_dir, settings.ARTIFACTS_DIR / "adapters" / "v1")
    return AdapterVersion.objects.create(
        project=prompts_project, version=1, algorithm="dpo", base_model=prompts_project.base_model,
        directory=str(folder.relative_to(settings.ARTIFACTS_DIR)), weights_sha256="0" * 64,
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
