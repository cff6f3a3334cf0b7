"""The rule as judge: how often an adapter's answer beats the base model's on prompts
it never trained on (held-out split), sampled with the same settings and seeds."""
from dataclasses import dataclass

from feedback.artifacts import local_path
from feedback.loop.models import AdapterVersion
from feedback.loop.services.rounds import generate_texts
from feedback.demo.simulation.rules import Rule


@dataclass
class WinRate:
    wins: int = 0
    ties: int = 0
    losses: int = 0

    @property
    def rate(self) -> float:
        """Wins plus half the ties, over all comparisons."""
        total = self.wins + self.ties + self.losses
        return (self.wins + 0.5 * self.ties) / total if total else float("nan")


def judge(rule: Rule, prompt: str, mine: str, theirs: str) -> int:
    a, b = rule(prompt, mine), rule(prompt, theirs)
    return (a > b) - (a < b)


def win_rate_against_base(adapter: AdapterVersion, rule: Rule, prompts, folder: str, *, seeds=(1, 2),
                          temperature: float = 0.7, max_new_tokens: int = 64, batch_size: int = 16) -> WinRate:
    producers = [{"name": "adapter", "adapter": str(local_path(adapter.directory))}, {"name": "base", "adapter": None}]
    samples = [{"temperature": temperature, "top_p": 0.95, "seed": seed} for seed in seeds]
    rows, _ = generate_texts(base_model=adapter.project.base_model, prompts=list(prompts), producers=producers,
                             samples=samples, max_new_tokens=max_new_tokens, batch_size=batch_size, folder=folder)
    texts = {(row["prompt_id"], row["producer"], row["sampling"]["seed"]): row["text"] for row in rows}
    result = WinRate()
    for prompt in prompts:
        prompt_text = "\n\n".join(m["content"] for m in prompt.messages)
        for seed in seeds:
            outcome = judge(rule, prompt_text, texts[(prompt.pk, "adapter", seed)], texts[(prompt.pk, "base", seed)])
            result.wins += outcome > 0
            result.ties += outcome == 0
            result.losses += outcome < 0
    return result
