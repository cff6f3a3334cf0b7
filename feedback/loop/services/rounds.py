"""Generation rounds: new candidates from the promoted adapter (against its parent or
the base model, or several samples of it) and the labelling tasks made from them.

The generation itself is a child process (`python -m training generate`, batched, the
base model loaded once and adapters swapped on it); this module picks the prompts,
writes its spec, follows it, and records candidates with the adapter version and
sampling settings that produced them.
"""
import json
import random
import time

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from feedback.labelling.models import Candidate, ProducerKind, Project, Prompt, Split, Task, TaskCandidate, TaskKind
from feedback.labelling.services.imports import task_candidate_key
from feedback import artifacts
from feedback.loop.models import AdapterRole, AdapterVersion, GenerationRound, RunStatus
from feedback.loop.selectors import promoted_adapter
from feedback.loop.services import subprocesses
from feedback.loop.services.jobs import (
    job_cancel, job_child_started, job_claim, job_deadline, job_fail, job_finish, job_stop_check,
    jobs_fail_orphaned,
)
from feedback.loop.services.subprocesses import Stopped
from feedback.loop.tasks import run_generation_round as run_generation_round_task

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
    config = round_config(**overrides)
    if adapter is None:
        adapter = promoted_adapter(project=project)
    with transaction.atomic():
        generation = GenerationRound.objects.create(project=project, adapter=adapter, config=config, trigger=trigger,
                                                    requested_by=user)
        transaction.on_commit(lambda: run_generation_round_task.delay(generation.pk))
    return generation


def round_after_promotion(*, adapter: AdapterVersion) -> GenerationRound | None:
    """Start the next round with a newly promoted adapter, if the project wants that."""
    config = getattr(adapter.project, "training_settings", None)
    if adapter.role != AdapterRole.POLICY or (config is not None and not config.generate_after_promotion):
        return None
    return round_request(project=adapter.project, adapter=adapter, trigger="promotion")


def _producers(generation: GenerationRound) -> list[dict]:
    """[new, previous] as the generator's producers (name, adapter dir or None)."""
    new = generation.adapter
    entries = [{"name": new.label if new else "base", "adapter": str(artifacts.local_path(new.directory)) if new else None}]
    if generation.config["pairing"] == "previous":
        previous = new.parent if new else None
        if new is None:
            raise RoundError("pairing 'previous' needs an adapter: with the base model, use pairing 'samples'")
        entries.append({"name": previous.label if previous else "base",
                        "adapter": str(artifacts.local_path(previous.directory)) if previous else None})
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
                   max_new_tokens: int, batch_size: int, folder: str, on_events=None, on_start=None,
                   stop_reason=None, timeout_minutes: float = 120) -> tuple[list[dict], dict]:
    """Run `python -m training generate` for prompts × producers × samples in the
    artifact folder `folder`; returns its rows ({prompt_id, producer, adapter, sampling,
    text}) and metrics. `on_events(events)` hears its progress lines (progress counts
    prompt generations: prompts × producers × samples); `on_start(pid)` its process;
    `stop_reason()` may stop it (jobs.job_stop_check), else it stops at the timeout."""
    run_dir = artifacts.local_folder(folder)
    with open(run_dir / "prompts.jsonl", "w", encoding="utf-8") as f:
        for prompt in prompts:
            f.write(json.dumps({"prompt_id": prompt.pk, "messages": prompt.messages}) + "\n")
    spec = {"base_model": base_model, "prompts_file": "prompts.jsonl", "producers": producers, "samples": samples,
            "max_new_tokens": int(max_new_tokens), "batch_size": int(batch_size)}
    spec_name = artifacts.artifact_write_text(artifacts.child_file(folder, "generate.json"), json.dumps(spec, indent=2))
    log_name = artifacts.child_file(folder, "generate.log")
    process = subprocesses.start(command="generate", spec_path=artifacts.local_path(spec_name),
                                 log_path=artifacts.local_path(log_name))
    if on_start:
        on_start(process.pid)
    reported = {"error": ""}
    if stop_reason is None:
        deadline = job_deadline(minutes=timeout_minutes)

        def stop_reason():
            if time.monotonic() > deadline:
                return RunStatus.FAILED, f"Timed out after {float(timeout_minutes):g} minutes; the generator was stopped."
            return None

    def relay(events):
        for event in events:
            if event.get("event") == "error":
                reported["error"] = str(event.get("message", ""))
        if on_events:
            on_events(events)

    try:
        subprocesses.follow(process=process, on_events=relay, stop_reason=stop_reason)
    except BaseException:
        if process.poll() is None:
            subprocesses.kill(process=process)
        raise
    output = artifacts.child_file(folder, CANDIDATES_FILE)
    if process.returncode != 0 or not artifacts.artifact_exists(output):
        tail = artifacts.artifact_tail(log_name, chars=subprocesses.LOG_TAIL_CHARS)
        raise Stopped(RunStatus.FAILED, subprocesses.exit_reason(
            returncode=process.returncode, reported_error=reported["error"], stderr_tail=tail, child="generator"))
    rows = [json.loads(line) for line in artifacts.artifact_read_text(output).splitlines() if line.strip()]
    metrics_name = artifacts.child_file(folder, "generate_metrics.json")
    metrics = json.loads(artifacts.artifact_read_text(metrics_name)) if artifacts.artifact_exists(metrics_name) else {}
    return rows, metrics


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


FINISH_FIELDS = ("metrics", "done", "total", "phase")


def _relay(generation: GenerationRound):
    """Phase and progress lines onto the round row, so its page can say what it is doing."""
    def on_events(events):
        changed = set()
        for event in events:
            if event.get("event") == "phase":
                generation.phase = str(event.get("phase", ""))[:20]
                changed.add("phase")
            elif event.get("event") == "progress":
                generation.done, generation.total = int(event.get("step") or 0), int(event.get("total") or 0)
                changed |= {"done", "total"}
        if changed:
            GenerationRound.objects.filter(pk=generation.pk).update(**{name: getattr(generation, name) for name in changed})

    return on_events


def round_execute(*, round_id: int) -> GenerationRound | None:
    generation = job_claim(model=GenerationRound, job_id=round_id, phase="")
    if generation is None:
        return None
    config = generation.config
    minutes = float(config.get("timeout_minutes") or DEFAULTS["timeout_minutes"])
    try:
        prompts = _pick_prompts(generation)
        if not prompts:
            raise Stopped(RunStatus.FAILED, "No prompts to generate for (check the split).")
        rows, metrics = generate_texts(
            base_model=generation.project.base_model, prompts=prompts, producers=_producers(generation),
            samples=_samples(config, int(config.get("seed", generation.pk))), max_new_tokens=config["max_new_tokens"],
            batch_size=config["batch_size"],
            folder=artifacts.round_folder(project_slug=generation.project.slug, round_id=generation.pk),
            on_events=_relay(generation), on_start=lambda pid: job_child_started(job=generation, pid=pid),
            stop_reason=job_stop_check(job=generation, deadline=job_deadline(minutes=minutes), minutes=minutes),
        )
        generation.metrics = {**metrics, **_create_tasks(generation, rows), "prompts": len(prompts)}
        generation.done = generation.total = len(rows)
        generation.phase = "done"
        return job_finish(job=generation, status=RunStatus.SUCCEEDED, fields=FINISH_FIELDS)
    except Stopped as stop:
        return job_finish(job=generation, status=stop.status, reason=stop.reason, fields=FINISH_FIELDS)
    except RoundError as error:
        return job_finish(job=generation, status=RunStatus.FAILED, reason=str(error), fields=FINISH_FIELDS)
    except BaseException as error:  # the worker itself is going down, or a bug: never leave it "running"
        return job_fail(job=generation, error=error, fields=FINISH_FIELDS)


def round_cancel(*, generation: GenerationRound) -> GenerationRound:
    """A queued round is cancelled at once; a running one is flagged and its worker stops
    the generator within a second or two, as a run's cancel does (jobs.job_cancel)."""
    return job_cancel(job=generation)


def rounds_fail_orphaned(*, reason: str = "Stopped: the training worker restarted during the round; "
                         "no tasks were made from it.") -> int:
    return jobs_fail_orphaned(model=GenerationRound, reason=reason)
