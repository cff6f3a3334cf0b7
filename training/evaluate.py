"""Held-out evaluation for the promotion gate: the new adapter, the adapters it competes
with and the base model, all scored on the same preference pairs.

For each model and pair we score the chosen and the rejected response, then report
    preference_accuracy  share of pairs with score(chosen) > score(rejected) (ties count as misses)
    preference_outcomes  the same per pair, in the eval file's order: "1" ranked right, "0" not
    mean_margin          mean of score(chosen) - score(rejected)
    rows                 number of pairs

The outcome strings are what the promotion gate's confidence rule reads: every model is
scored on the same pairs in the same order, so position i of two strings is one paired
observation (one character a pair keeps a 10,000-pair evaluation at 10 kB a model).

Scores:
- policies (dpo, kto, and the base model): the mean per-token log-probability of the
  response given the prompt (chat template applied exactly as in training). Per-token
  mean rather than sum, so that a longer response is not penalised for being longer.
  Adapters also get the DPO implicit reward relative to the base (their reference):
  beta * ((log π(c) - log ref(c)) - (log π(r) - log ref(r))) with summed log-probs, as
  implicit_reward_accuracy / implicit_reward_margin.
- reward models: the scalar head's output. The base model has no trained head, so "base"
  is scored as a policy (mean log-prob) under the base causal LM: the gate then asks
  whether the reward model ranks pairs better than the base LM's own likelihood does.

All adapters share one copy of the base weights: they are loaded onto it and switched
(set_adapter / disable_adapter), never reloaded with the base.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

import torch
from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase
from trl.data_utils import common_prefix_length

from .models import attach_adapter

LOGPROB = "mean_token_logprob"
REWARD_HEAD = "reward_head"

Sequence = tuple[list[int], int]  # token ids, and where the response starts


# --- tokenization (mirrors TRL's preprocessing, so scores match what was trained) --------


def encode_response(tokenizer: PreTrainedTokenizerBase, prompt, response, max_length: int) -> Sequence:
    """Prompt + response as token ids, and the index of the first response token."""
    if isinstance(prompt, list):  # conversational: the tokenizer's own chat template
        prompt_ids = _chat_ids(tokenizer, prompt, add_generation_prompt=True)
        full_ids = _chat_ids(tokenizer, prompt + response)
    else:  # plain text: TRL appends EOS to completions that lack it
        if not response.endswith(tokenizer.eos_token):
            response = response + tokenizer.eos_token
        prompt_ids = tokenizer(text=prompt)["input_ids"]
        full_ids = tokenizer(text=prompt + response)["input_ids"]
    # Some templates render a prompt differently alone; the response starts where they part.
    start = common_prefix_length(prompt_ids, full_ids)
    return full_ids[:max_length], min(start, max_length)


def _chat_ids(tokenizer, messages, add_generation_prompt=False) -> list[int]:
    return tokenizer.apply_chat_template(
        messages, tokenize=True, return_dict=True, add_generation_prompt=add_generation_prompt
    )["input_ids"]


def encode_pairs(tokenizer, pairs: list[dict], max_length: int) -> list[Sequence]:
    """All chosen sequences, then all rejected ones (2 * len(pairs) sequences)."""
    chosen = [encode_response(tokenizer, p["prompt"], p["chosen"], max_length) for p in pairs]
    rejected = [encode_response(tokenizer, p["prompt"], p["rejected"], max_length) for p in pairs]
    return chosen + rejected


# --- scoring ----------------------------------------------------------------------------


def _batches(sequences: list[Sequence], batch_size: int, pad_id: int, device) -> Iterator[tuple]:
    """Right-padded batches of similar length (less padding); yields original indices."""
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i][0]))
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        width = max(len(sequences[i][0]) for i in index)
        ids = torch.full((len(index), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(index), width), dtype=torch.long)
        response = torch.zeros((len(index), width), dtype=torch.bool)
        for row, i in enumerate(index):
            tokens, response_start = sequences[i]
            ids[row, : len(tokens)] = torch.tensor(tokens)
            attention[row, : len(tokens)] = 1
            response[row, response_start : len(tokens)] = True
        yield index, ids.to(device), attention.to(device), response.to(device)


@torch.no_grad()
def response_logprobs(
    model, sequences: list[Sequence], pad_id: int, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log-probability of each response, and its token count."""
    device = next(model.parameters()).device
    sums = torch.zeros(len(sequences), dtype=torch.float64)
    counts = torch.zeros(len(sequences), dtype=torch.float64)
    for index, ids, attention, response in _batches(sequences, batch_size, pad_id, device):
        logits = model(input_ids=ids, attention_mask=attention, use_cache=False).logits[:, :-1].float()
        targets = ids[:, 1:]
        token_logprobs = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
        mask = response[:, 1:]  # position t predicts token t+1
        sums[index] = (token_logprobs * mask).sum(-1).double().cpu()
        counts[index] = mask.sum(-1).double().cpu()
    return sums, counts


@torch.no_grad()
def reward_scores(model, sequences: list[Sequence], pad_id: int, batch_size: int) -> torch.Tensor:
    device = next(model.parameters()).device
    scores = torch.zeros(len(sequences), dtype=torch.float64)
    for index, ids, attention, _response in _batches(sequences, batch_size, pad_id, device):
        scores[index] = model(input_ids=ids, attention_mask=attention, use_cache=False).logits[:, 0].double().cpu()
    return scores


def outcomes(margins: torch.Tensor) -> str:
    """One character a pair: "1" where the chosen response scored higher, else "0"."""
    return "".join("1" if won else "0" for won in (margins > 0).tolist())


def summarize(chosen: torch.Tensor, rejected: torch.Tensor, scoring: str) -> dict:
    margins = chosen - rejected
    return {
        "preference_accuracy": round((margins > 0).double().mean().item(), 6),
        "preference_outcomes": outcomes(margins),
        "mean_margin": round(margins.mean().item(), 6),
        "rows": len(margins),
        "scoring": scoring,
    }


def implicit_reward(sums: torch.Tensor, ref_sums: torch.Tensor, beta: float) -> dict:
    rewards = beta * (sums - ref_sums)
    chosen, rejected = rewards.chunk(2)
    margins = chosen - rejected
    return {
        "implicit_reward_accuracy": round((margins > 0).double().mean().item(), 6),
        "implicit_reward_margin": round(margins.mean().item(), 6),
        "implicit_reward_outcomes": outcomes(margins),
    }


@contextmanager
def _adapters_off(model) -> Iterator[None]:
    with model.disable_adapter() if isinstance(model, PeftModel) else nullcontext():
        yield


# --- whole evaluations ---------------------------------------------------------------------


def evaluate_policy(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: list[dict],
    *,
    new_adapter: str | None,
    compare_adapters: dict[str, Path],
    beta: float,
    max_length: int,
    batch_size: int,
) -> dict:
    """{"base": ..., "new": ... (if new_adapter names an adapter on model), <compare name>: ...}."""
    sequences = encode_pairs(tokenizer, pairs, max_length)
    pad_id = tokenizer.pad_token_id
    model.eval()

    def scored():
        sums, counts = response_logprobs(model, sequences, pad_id, batch_size)
        chosen, rejected = (sums / counts.clamp(min=1)).chunk(2)
        return sums, summarize(chosen, rejected, LOGPROB)

    results = {}
    with _adapters_off(model):
        base_sums, results["base"] = scored()
    if new_adapter is not None:
        model.set_adapter(new_adapter)
        sums, results["new"] = scored()
        results["new"].update(implicit_reward(sums, base_sums, beta))
    for i, (name, adapter_dir) in enumerate(compare_adapters.items()):
        model, error = _try_attach(model, adapter_dir, f"compare_{i}")
        if error:
            results[name] = error
            continue
        sums, results[name] = scored()
        results[name].update(implicit_reward(sums, base_sums, beta))
    return results


def evaluate_reward_model(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: list[dict],
    *,
    new_adapter: str | None,
    compare_adapters: dict[str, Path],
    max_length: int,
    batch_size: int,
) -> dict:
    """Reward-head scores for the new adapter and each compare adapter. "base" comes
    from evaluate_policy on the base causal LM (the base has no trained head)."""
    sequences = encode_pairs(tokenizer, pairs, max_length)
    model.eval()
    results = {}

    def scored():
        chosen, rejected = reward_scores(model, sequences, tokenizer.pad_token_id, batch_size).chunk(2)
        return summarize(chosen, rejected, REWARD_HEAD)

    if new_adapter is not None:
        model.set_adapter(new_adapter)
        results["new"] = scored()
    for i, (name, adapter_dir) in enumerate(compare_adapters.items()):
        model, error = _try_attach(model, adapter_dir, f"compare_{i}")
        if error:
            results[name] = error
            continue
        results[name] = scored()
    return results


def _try_attach(model, adapter_dir: Path, name: str) -> tuple[PeftModel, dict | None]:
    """A compare adapter that does not load onto this base (trained on another base model,
    say) is reported, not fatal: the newly trained adapter is still worth keeping, and an
    entry without preference_accuracy cannot pass a gate. (Adapters of the wrong kind
    were already refused when the spec was read.)"""
    try:
        return attach_adapter(model, adapter_dir, name), None
    except Exception as e:
        if isinstance(model, PeftModel) and name in model.peft_config:
            with suppress(Exception):
                model.delete_adapter(name)  # drop what was half-loaded
        message = " ".join(str(e).split())[:300]  # one line, and not the whole state-dict diff
        return model, {"error": f"could not load adapter {adapter_dir}: {type(e).__name__}: {message}"}
