"""Batched candidate generation: the base model loaded once, adapters swapped on it.

For each producer (an adapter, or the bare base) and each sample setting, prompts go
through `generate` in batches: sorted by length so a batch pads little, padded on the
left so every row's new tokens start at the same column, one forward batch per step for
the whole batch. Adapters are loaded with PEFT onto the same base and switched with
set_adapter; the base producer runs with the adapters disabled. See generate_spec.py
for the contract.

Sampling is exactly what each candidate records: temperature and top_p (transformers'
default top_k of 50 is switched off), torch.manual_seed(seed) before every batch;
temperature 0 is greedy. Progress events count candidates written so far ("step") out of
prompts × producers × samples ("total"). generate_metrics.json counts new tokens up to and
including each row's end-of-sequence token (the padding after it is not generated work).
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

from .artifacts import write_json_atomic
from .generate_spec import GenerateSpec, load_generate_spec
from .progress import ProgressWriter
from .registry import check_local_model_dir, is_demo_name, resolve_base_model

CANDIDATES = "candidates.jsonl"
METRICS = "generate_metrics.json"


def generate(spec_path: str | Path, stdout=None) -> dict:
    spec = load_generate_spec(spec_path)
    if not is_demo_name(spec.base_model):
        check_local_model_dir(spec.base_model)
    run_dir = spec.run_dir
    for stale in (CANDIDATES, METRICS):  # a retried run's outputs are its own or none
        (run_dir / stale).unlink(missing_ok=True)
    writer = ProgressWriter(run_dir / "progress.jsonl", stdout)
    tmp = run_dir / f".{CANDIDATES}.tmp"
    try:
        return _generate(spec, writer, tmp)
    except BaseException as e:
        writer.error(str(e) or type(e).__name__)
        raise
    finally:
        tmp.unlink(missing_ok=True)
        writer.close()


def _load(spec: GenerateSpec):
    from .models import attach_adapter, choose_device, load_causal_lm, load_tokenizer

    plan = choose_device(spec.device)
    base_dir = resolve_base_model(spec.base_model)
    tokenizer = load_tokenizer(base_dir)
    tokenizer.padding_side = "left"
    model = load_causal_lm(base_dir, plan)
    for index, producer in enumerate(spec.producers):
        if producer.adapter is not None:
            model = attach_adapter(model, producer.adapter, f"producer_{index}")
    model.eval()
    return plan, tokenizer, model


def _activate(model, index: int, producer):
    """The producer's adapter, or the base with every adapter disabled."""
    if producer.adapter is not None:
        model.set_adapter(f"producer_{index}")
        return nullcontext()
    return model.disable_adapter() if hasattr(model, "disable_adapter") else nullcontext()


def batches(prompt_ids: list, lengths: list[int], size: int) -> list[list[int]]:
    """Indices grouped so similar lengths share a batch (less padding)."""
    order = sorted(range(len(prompt_ids)), key=lambda i: lengths[i])
    return [order[i : i + size] for i in range(0, len(order), size)]


def encode_prompts(tokenizer, conversations: list[list[dict]]) -> list[list[int]]:
    """Token ids of each conversation through the chat template, ready for the reply."""
    encoded = []
    for messages in conversations:
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)
        encoded.append(list(ids["input_ids"]))
    return encoded


def sampling_kwargs(sample) -> dict:
    if sample.temperature > 0:
        return {"do_sample": True, "temperature": sample.temperature, "top_p": sample.top_p, "top_k": 0}
    return {"do_sample": False}


def generate_batch(model, tokenizer, encoded: list[list[int]], sample, max_new_tokens: int, device: str,
                   min_new_tokens: int = 0) -> tuple[list[str], int]:
    """One `generate` call for a batch of tokenized prompts, padded on the left:
    (texts of the new tokens only, number of new tokens generated)."""
    import torch

    width = max(len(ids) for ids in encoded)
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in encoded], device=device)
    attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in encoded], device=device)
    torch.manual_seed(sample.seed)
    with torch.inference_mode():
        output = model.generate(input_ids=input_ids, attention_mask=attention, max_new_tokens=max_new_tokens,
                                min_new_tokens=min_new_tokens, pad_token_id=pad, **sampling_kwargs(sample))
    new = output[:, width:]
    texts = tokenizer.batch_decode(new, skip_special_tokens=True)
    return [t.strip() for t in texts], count_new_tokens(new, _eos_ids(model, tokenizer))


def _eos_ids(model, tokenizer) -> list[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    return [] if eos is None else ([eos] if isinstance(eos, int) else list(eos))


def count_new_tokens(new, eos_ids: list[int]) -> int:
    """Tokens generated per row up to and including its first end-of-sequence token; a
    finished row is padded (often with the eos id itself) while the others go on."""
    import torch

    if not eos_ids or new.numel() == 0:
        return int(new.numel())
    is_eos = torch.isin(new, torch.tensor(eos_ids, device=new.device))
    lengths = torch.where(is_eos.any(dim=1), is_eos.int().argmax(dim=1) + 1, new.shape[1])
    return int(lengths.sum())


def _generate(spec: GenerateSpec, writer: ProgressWriter, tmp: Path) -> dict:
    import json

    started = time.time()
    writer.phase("loading")
    plan, tokenizer, model = _load(spec)
    encoded = encode_prompts(tokenizer, [row["messages"] for row in spec.prompts])
    groups = batches([row["prompt_id"] for row in spec.prompts], [len(ids) for ids in encoded], spec.batch_size)
    total = len(spec.prompts) * len(spec.producers) * len(spec.samples)
    writer.phase("generating")
    done = tokens = 0
    generation_started = time.time()
    with open(tmp, "w", encoding="utf-8") as out:
        for index, producer in enumerate(spec.producers):
            with _activate(model, index, producer):
                for sample in spec.samples:
                    for group in groups:
                        texts, produced = generate_batch(model, tokenizer, [encoded[i] for i in group], sample,
                                                         spec.max_new_tokens, plan.device)
                        tokens += produced
                        for i, text in zip(group, texts):
                            out.write(json.dumps({
                                "prompt_id": spec.prompts[i]["prompt_id"], "producer": producer.name,
                                "adapter": str(producer.adapter) if producer.adapter else None,
                                "sampling": {"temperature": sample.temperature, "top_p": sample.top_p,
                                             "seed": sample.seed, "max_new_tokens": spec.max_new_tokens},
                                "text": text,
                            }, ensure_ascii=False) + "\n")
                        done += len(group)
                        elapsed = time.time() - generation_started
                        writer.write({"event": "progress", "step": done, "total": total,
                                      "tokens_per_second": round(tokens / elapsed, 1) if elapsed > 0 else None})
    tmp.rename(spec.run_dir / CANDIDATES)  # complete, or not there at all
    seconds = time.time() - generation_started
    metrics = {"candidates": total, "new_tokens": tokens, "generation_seconds": round(seconds, 3),
               "tokens_per_second": round(tokens / seconds, 2) if seconds > 0 else None,
               "total_seconds": round(time.time() - started, 3), **plan.describe()}
    write_json_atomic(spec.run_dir / METRICS, metrics)
    writer.phase("done")
    return metrics
