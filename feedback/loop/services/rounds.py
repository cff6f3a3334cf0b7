"""Generation rounds: new candidates from the promoted adapter (against its parent or
the base model, or several samples of it) and the labelling tasks made from them.

The generation itself is a child process (`python -m training generate`, batched, the
base model loaded once and adapters swapped on it); this module picks the prompts,
writes its spec, follows it, and records candidates with the adapter version and
sampling settings that produced them.
"""
import json
import random
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from feedback.labelling.models import Candidate, ProducerKind, Project, Prompt, Split, Task, TaskCandidate, TaskKind
from feedback.labelling.services.imports import task_candidate_key
from feedback.loop.models import AdapterStatus, AdapterVersion, GenerationRound, RunStatus
from feedback.loop.services import subprocesses
from feedback.loop.services.specs import adapter_dir
from feedback.loop.services.subprocesses import Stopped

DEFAULTS = {
    "prompts": 16,  # how many prompts get new candidates
    "split": Split.TRAIN,  # train, heldout or any
    "kind": TaskKind.PAIR,  # pair: new vs previous; thumbs: both in one task; rank: needs 3 (two samples + previous)
    "pairing": "previous",  # previous: new adapter vs its parent (or base); samples: two samples of the new one
    "temperature": 0.7,
    "top_p": 0.95,
    "max_new_tokens": 128,
    "batch_size": 16,
    "timeout_minutes": 120,
}
CANDIDATES_FILE = "candidates.jsonl"


class RoundError(ValueError):
    pass


def round_config(**overrides) -> dict:
    config = {**DEFAULTS, **{k: v for k, v in overrides.items() if v is not None}}
    unknown = set(config) - set(DEFAULTS) - {"prompt_ids", "seed"}
    if unknown:
        raise RoundError(f"unknown round setting(s): {', '.join(sorted(unknown))}")
    if config["kind"] not in TaskKind.values:
        raise RoundError(f"kind: one of {', '.join(TaskKind.values)}")
    if config["pairing"] not in ("previous", "samples"):
        raise RoundError("pairing: previous or samples")
    if config["split"] not in (*Split.values, "any"):
        raise RoundError("split: train, heldout or any")
    if not 1 <= int(config["prompts"]) <= 10_000:
        raise RoundError("prompts: from 1 to 10000")
    return config


def round_request(*, project: Project, adapter: AdapterVersion | None = None, user=None, trigger: str = "manual",
                  **overrides) -> GenerationRound:
    """Queue a round for `adapter` (default: the promoted policy adapter, else the base
    model) and enqueue it on the training queue once committed."""
    from feedback.loop.tasks import run_generation_round

    config = round_config(**overrides)
    if adapter is None:
        adapter = project.adapters.filter(role="policy", status=AdapterStatus.PROMOTED).first()
    with transaction.atomic():
        generation = GenerationRound.objects.create(project=project, adapter=adapter, config=config, trigger=trigger,
                                                    requested_by=user)
        transaction.on_commit(lambda: run_generation_round.delay(generation.pk))
    return generation


def round_after_promotion(adapter: AdapterVersion) -> GenerationRound | None:
    """Start the next round with a newly promoted adapter, if the project wants that."""
    config = getattr(adapter.project, "training_settings", None)
    if adapter.role != "policy" or (config is not None and not config.generate_after_promotion):
        return None
    return round_request(project=adapter.project, adapter=adapter, trigger="promotion")


def _producers(generation: GenerationRound) -> list[dict]:
    """[new, previous] as the generator's producers (name, adapter dir or None)."""
    new = generation.adapter
    entries = [{"name": new.label if new else "base", "adapter": str(adapter_dir(new)) if new else None}]
    if generation.config["pairing"] == "previous":
        previous = new.parent if new else None
        if new is None:
            raise RoundError("pairing 'previous' needs an adapter: with the base model, use pairing 'samples'")
        entries.append({"name": previous.label if previous else "base",
                        "adapter": str(adapter_dir(previous)) if previous else None})
    return entries


def _samples(config: dict, seed: int) -> list[dict]:
    wanted = 1 if config["pairing"] == "previous" else 2
    if config["kind"] == TaskKind.RANK:
        wanted += 1  # a ranking wants three candidates
    return [{"temperature": config["temperature"], "top_p": config["top_p"], "seed": seed + i} for i in range(wanted)]


def _pick_prompts(generation: GenerationRound) -> list[Prompt]:
    config = generation.config
    prompts = Prompt.objects.filter(project=generation.project)
    if config.get("prompt_ids"):
        prompts = prompts.filter(pk__in=config["prompt_ids"])
    elif config["split"] != "any":
        prompts = prompts.filter(split=config["split"])
    # Prompts with the fewest candidates from this adapter first, then a stable shuffle.
    prompts = prompts.annotate(mine=Count("candidates", filter=Q(candidates__adapter=generation.adapter)))
    picked = list(prompts.order_by("mine", "id")[: int(config["prompts"])])
    random.Random(generation.pk).shuffle(picked)
    return picked


def generate_texts(*, base_model: str, prompts: list[Prompt], producers: list[dict], samples: list[dict],
                   max_new_tokens: int, batch_size: int, run_dir: Path, on_done=None,
                   timeout_minutes: float = 120) -> tuple[list[dict], dict]:
    """Run `python -m training generate` for prompts × producers × samples; returns its
    rows ({prompt_id, producer, adapter, sampling, text}) and metrics. `on_done(done,
    total)` hears the progress in prompt generations (prompts × producers × samples)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "prompts.jsonl", "w", encoding="utf-8") as f:
        for prompt in prompts:
            f.write(json.dumps({"prompt_id": prompt.pk, "messages": prompt.messages}) + "\n")
    spec = {"base_model": base_model, "prompts_file": "prompts.jsonl", "producers": producers, "samples": samples,
            "max_new_tokens": int(max_new_tokens), "batch_size": int(batch_size)}
    spec_path = run_dir / "generate.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    process = subprocesses.start("generate", spec_path, run_dir / "generate.log")
    deadline = timezone.now() + timezone.timedelta(minutes=float(timeout_minutes))
    reported = {"error": ""}

    def on_events(events):
        for event in events:
            if event.get("event") == "progress" and on_done:
                on_done(int(event.get("step") or 0), int(event.get("total") or 0))
            elif event.get("event") == "error":
                reported["error"] = str(event.get("message", ""))

    def stop_reason():
        return (RunStatus.FAILED, "Timed out; the generator was stopped.") if timezone.now() > deadline else None

    try:
        subprocesses.follow(process, on_events, stop_reason)
    except BaseException:
        if process.poll() is None:
            subprocesses.kill(process)
        raise
    output = run_dir / CANDIDATES_FILE
    if process.returncode != 0 or not output.exists():
        tail = subprocesses.log_tail(run_dir / "generate.log")
        raise Stopped(RunStatus.FAILED, subprocesses.exit_reason(process.returncode, reported["error"], tail))
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines() if line.strip()]
    metrics_path = run_dir / "generate_metrics.json"
    return rows, (json.loads(metrics_path.read_text()) if metrics_path.exists() else {})


def _candidate(generation: GenerationRound, adapters: dict, prompt_id: int, row: dict) -> Candidate:
    adapter = adapters.get(row["producer"])
    kind, name = (ProducerKind.ADAPTER, adapter.label) if adapter else (ProducerKind.BASE, generation.project.base_model)
    candidate = Candidate(prompt_id=prompt_id, text=row["text"], producer_kind=kind, producer_name=name[:300],
                          adapter=adapter, generation_round=generation, sampling=row.get("sampling") or {})
    candidate.content_key = Candidate.key_for(kind, candidate.producer_name, candidate.text)
    existing = Candidate.objects.filter(prompt_id=prompt_id, content_key=candidate.content_key).first()
    if existing:
        return existing  # the same text from the same producer: one candidate
    candidate.save()
    return candidate


def _create_tasks(generation: GenerationRound, rows: list[dict]) -> dict:
    """Group the generated rows per prompt into tasks of the round's kind."""
    adapters = {a.label: a for a in AdapterVersion.objects.filter(project=generation.project)}
    per_prompt: dict[int, list[dict]] = {}
    for row in rows:
        per_prompt.setdefault(row["prompt_id"], []).append(row)
    kind = generation.config["kind"]
    created = duplicates = 0
    with transaction.atomic():
        for prompt_id, prompt_rows in per_prompt.items():
            candidates = [_candidate(generation, adapters, prompt_id, row) for row in prompt_rows]
            ids = list(dict.fromkeys(c.pk for c in candidates))  # identical outputs collapse
            wanted = 3 if kind == TaskKind.RANK else 2
            if len(ids) < wanted:
                duplicates += 1
                continue
            ids = ids[:wanted]
            key = task_candidate_key(kind=kind, candidate_ids=ids)
            try:
                with transaction.atomic():
                    task = Task.objects.create(project=generation.project, prompt_id=prompt_id, kind=kind,
                                               candidate_key=key, candidate_count=len(ids), generation_round=generation)
            except IntegrityError:
                continue
            TaskCandidate.objects.bulk_create(
                TaskCandidate(task=task, candidate_id=cid, position=pos) for pos, cid in enumerate(ids)
            )
            created += 1
    return {"tasks_created": created, "identical_outputs": duplicates, "candidates": len(rows)}


def _claim(round_id: int) -> GenerationRound | None:
    claimed = GenerationRound.objects.filter(pk=round_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    return GenerationRound.objects.select_related("project", "adapter").get(pk=round_id) if claimed else None


def _finish(generation: GenerationRound, status: str, reason: str = "") -> GenerationRound:
    generation.status, generation.finished_at = status, timezone.now()
    generation.failure_reason = reason[:2000]
    generation.save(update_fields=["status", "finished_at", "failure_reason", "metrics", "done", "total"])
    return generation


def round_dir_for(generation: GenerationRound) -> Path:
    return settings.ARTIFACTS_DIR / "rounds" / generation.project.slug / f"round-{generation.pk}"


def round_execute(round_id: int) -> GenerationRound | None:
    generation = _claim(round_id)
    if generation is None:
        return None
    config = generation.config
    try:
        prompts = _pick_prompts(generation)
        if not prompts:
            raise Stopped(RunStatus.FAILED, "No prompts to generate for (check the split).")
        def on_done(done, total):
            generation.done, generation.total = done, total
            GenerationRound.objects.filter(pk=generation.pk).update(done=done, total=total)

        rows, metrics = generate_texts(
            base_model=generation.project.base_model, prompts=prompts, producers=_producers(generation),
            samples=_samples(config, int(config.get("seed", generation.pk))), max_new_tokens=config["max_new_tokens"],
            batch_size=config["batch_size"], run_dir=round_dir_for(generation), on_done=on_done,
            timeout_minutes=config["timeout_minutes"],
        )
        generation.metrics = {**metrics, **_create_tasks(generation, rows), "prompts": len(prompts)}
        generation.done = generation.total = len(rows)
        return _finish(generation, RunStatus.SUCCEEDED)
    except Stopped as stop:
        return _finish(generation, stop.status, stop.reason)
    except RoundError as error:
        return _finish(generation, RunStatus.FAILED, str(error))
    except BaseException as error:
        _finish(generation, RunStatus.FAILED, f"{type(error).__name__}: {error}")
        if not isinstance(error, Exception):
            raise
        return generation
