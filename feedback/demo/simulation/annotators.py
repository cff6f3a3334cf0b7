"""A simulated annotator: answers a task by a rule, with noise and position bias.

It sees what a person sees — the prompt and the candidates in the order shown, each with
its canonical position — and answers in canonical positions, as the API expects.
"""
import random
from dataclasses import dataclass, field

from feedback.demo.simulation.rules import Rule
from feedback.labelling.rubric import aspects_for
from feedback.labelling.turns import conversation, turn_indices


@dataclass
class SimulatedAnnotator:
    rule: Rule
    noise: float = 0.0  # chance of flipping the answer the rule gives
    position_bias: float = 0.0  # chance of simply preferring the first-shown candidate
    rng: random.Random = field(default_factory=random.Random)

    def answer(self, kind: str, prompt: str, shown: list[tuple[int, str]], messages=(), aspects=()) -> dict:
        """`shown`: (canonical position, text) in display order; `messages`: the prompt's
        turns, which a turns task judges with its candidate appended; `aspects`: the rubric
        of the codebook version it answers under (rubric.Aspect), for ratings."""
        if kind == "turns":
            return self._turns(prompt, conversation(messages, shown[0][1]), turn_indices(messages))
        scores = {position: self.rule(prompt, text) for position, text in shown}
        rated = aspects_for(aspects, kind)
        if kind == "rate":
            return {"ratings": self._ratings(scores, rated)}
        if kind == "pair":
            answer = self._pair(scores, shown)
        elif kind == "rank":
            answer = self._rank(scores, shown)
        else:
            return self._thumbs(scores)
        return {**answer, "ratings": self._ratings(scores, rated)} if rated else answer

    def _ratings(self, scores: dict, aspects) -> dict:
        """Each response's points: the rule's best near the top of each scale, the others
        lower by their place, one point of noise now and then."""
        places = {position: place for place, position in enumerate(sorted(scores, key=lambda p: -scores[p]))}
        ratings = {}
        for position in sorted(scores):
            ratings[str(position)] = {}
            for aspect in aspects:
                point = aspect.high - places[position] - (self.rng.random() < 0.5)
                if self._flipped():
                    point += self.rng.choice((-1, 1))
                ratings[str(position)][aspect.name] = max(aspect.low, min(aspect.high, point))
        return ratings

    def _biased(self) -> bool:
        return self.rng.random() < self.position_bias

    def _flipped(self) -> bool:
        return self.rng.random() < self.noise

    def _pair(self, scores: dict, shown) -> dict:
        if self._biased():
            winner = shown[0][0]
        elif scores[0] == scores[1]:
            return {"choice": "tie", "strength": None}
        else:
            winner = 0 if scores[0] > scores[1] else 1
        if self._flipped():
            winner = 1 - winner
        return {"choice": "AB"[winner], "strength": None}

    def _rank(self, scores: dict, shown) -> dict:
        order = sorted(scores, key=lambda position: (-scores[position], self.rng.random()))
        if self._biased():
            order.remove(shown[0][0])
            order.insert(0, shown[0][0])
        if self._flipped() and len(order) > 1:
            i = self.rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return {"order": order}

    def _turns(self, prompt: str, talk: list[dict], judged: list[int]) -> dict:
        """Each assistant turn's thumb, as a thumbs task's responses: up when the rule
        scores it at least the conversation's mean turn."""
        thumbs = self._thumbs({index: self.rule(prompt, talk[index]["content"]) for index in judged})["thumbs"]
        return {"turns": {index: {"thumb": thumb} for index, thumb in thumbs.items()}}

    def _thumbs(self, scores: dict) -> dict:
        mean = sum(scores.values()) / len(scores)
        thumbs = {}
        for position, score in scores.items():
            up = score >= mean
            if self._flipped():
                up = not up
            thumbs[str(position)] = "up" if up else "down"
        return {"thumbs": thumbs}
