"""python manage.py simulate_loop — the whole loop with simulated annotators, showing
with numbers whether labels in → adapters out makes the model better at what the
annotators prefer, under the real promotion gate.

Per rule, a fresh project with 200 everyday prompts (simulation/prompts.jsonl; 33 fall
on the held-out side of the prompts' fixed split). Each round: generation for 48 fresh
training prompts and for all 33 held-out ones (promoted adapter vs its predecessor;
round 1: two base samples) → simulated annotators label through the REST API →
snapshot → DPO run (on from the promoted adapter, which is its reference, unless
--fresh-adapters) → held-out evaluation → promotion gate. Labelling every held-out
prompt each round adds one held-out pair per prompt to the next snapshot (33 after
round 1, 66 after round 2): the gate needs 30 by default, and on 33 its 95% lower bound
clears chance from 22 ranked right. After each round the promoted adapter's win rate
against the base model is judged by the rule on held-out prompts it never trained on
(judged once per adapter: a round that promotes nothing keeps the last figure).
"""
import json
import random
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rest_framework.authtoken.models import Token

from feedback.artifacts import judge_folder
from feedback.labelling.models import Label, Membership, Project, Role, Split, TaskKind
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import import_jsonl
from feedback.loop.models import DEFAULT_MIN_HELDOUT_PAIRS, AdapterStatus, GenerationRound, TrainingRun, TrainingSettings
from feedback.loop.selectors import promoted_adapter
from feedback.loop.services.executor import run_execute
from feedback.loop.services.gate import gate_evidence, gate_metric
from feedback.loop.services.training_requests import run_config
from feedback.loop.services.rounds import round_config, round_execute
from feedback.demo.simulation.annotators import SimulatedAnnotator
from feedback.demo.simulation.api_labeller import ApiLabeller, HttpTransport, InProcessTransport
from feedback.demo.simulation.judging import win_rate_against_base
from feedback.demo.simulation.rules import SHIPPED, rule_load
from feedback.quality.metrics import krippendorff_alpha

PROMPTS_FILE = Path(__file__).resolve().parents[2] / "simulation" / "prompts.jsonl"
CPU_HYPERPARAMETERS = {"max_steps": 20, "per_device_train_batch_size": 4, "max_length": 192, "learning_rate": 3e-4,
                       "beta": 0.1}


class Command(BaseCommand):
    help = "Run R simulated rounds of generation → labelling → training → gate per rule and report the numbers."

    def add_arguments(self, parser):
        parser.add_argument("--rules", default=",".join(SHIPPED), help="short names or dotted paths, comma-separated")
        parser.add_argument(
            "--rounds", type=int, default=2,
            help="rounds per rule; each labels the held-out prompts again, so with the defaults the gate "
            "judges on 33 held-out pairs after round 1 and 66 after round 2")
        parser.add_argument("--prompts", type=int, default=48,
                            help="training-split prompts per round (fresh ones each round while they last)")
        parser.add_argument("--heldout-prompts", type=int, default=None,
                            help="held-out prompts labelled per round, for the gate's evaluation "
                            "(default: all of them, 33 of the shipped 200)")
        parser.add_argument("--annotators", type=int, default=3)
        parser.add_argument("--noise", type=float, default=0.1)
        parser.add_argument("--position-bias", type=float, default=0.05)
        parser.add_argument("--base-model", default="demo")
        parser.add_argument("--prompts-file", default=str(PROMPTS_FILE))
        parser.add_argument("--judge-prompts", type=int, default=24, help="held-out prompts the win rate is judged on")
        parser.add_argument("--max-new-tokens", type=int, default=48)
        parser.add_argument("--temperature", type=float, default=1.0)
        parser.add_argument("--hyperparameters", default=json.dumps(CPU_HYPERPARAMETERS))
        parser.add_argument("--margin", type=float, default=0.0, help="promotion margin")
        parser.add_argument("--min-heldout-pairs", type=int, default=DEFAULT_MIN_HELDOUT_PAIRS,
                            help="the gate's minimum of held-out pairs (the projects' default)")
        parser.add_argument("--fresh-adapters", action="store_true",
                            help="train each round's adapter from scratch instead of on from the promoted one")
        parser.add_argument("--api-url", help="label through this server instead of in-process")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", dest="json_out", help="also write the per-round table here")

    def handle(self, *args, **opts):
        try:
            rules = {name: rule_load(name) for name in opts["rules"].split(",") if name}
            hyperparameters = json.loads(opts["hyperparameters"])
        except (ValueError, json.JSONDecodeError) as error:
            raise CommandError(str(error)) from None
        report = {}
        started = time.monotonic()
        for name, rule in rules.items():
            report[name] = self._simulate(name, rule, hyperparameters, opts)
        self.stdout.write(f"\nTotal time {time.monotonic() - started:.0f} s.")
        for name, rows in report.items():
            final = rows[-1]["win_rate"] if rows else None
            self.stdout.write(f"{name}: promoted adapter vs base, judged by the rule on held-out prompts: "
                              f"{'—' if final is None else f'{final:.0%}'}")
        if opts["json_out"]:
            Path(opts["json_out"]).write_text(json.dumps(report, indent=2))

    def _project(self, name: str, opts) -> Project:
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        short = name.rsplit(".", 1)[-1][:20]
        project = Project.objects.create(name=f"Simulated loop: {short}", slug=f"sim-{short}-{stamp}"[:80],
                                         overlap=opts["annotators"], base_model=opts["base_model"])
        admin, _ = get_user_model().objects.get_or_create(username="sim-admin")
        codebook_publish(project=project, text=f"Simulated annotators prefer by the rule `{name}`.", author=admin)
        with open(opts["prompts_file"], encoding="utf-8") as f:
            lines = [json.dumps({"external_id": row["external_id"], "prompt": row["prompt"]})
                     for row in map(json.loads, f) if row]
        import_jsonl(project=project, lines=lines)
        return project

    def _labellers(self, project, rule, opts) -> list[ApiLabeller]:
        transport = HttpTransport(opts["api_url"]) if opts["api_url"] else InProcessTransport()
        labellers = []
        for i in range(opts["annotators"]):
            user, created = get_user_model().objects.get_or_create(username=f"sim-{project.pk}-{i}")
            if created:
                user.set_unusable_password()
                user.save()
            Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.ANNOTATOR})
            token, _ = Token.objects.get_or_create(user=user)
            annotator = SimulatedAnnotator(rule, noise=opts["noise"], position_bias=opts["position_bias"],
                                           rng=random.Random(opts["seed"] * 1000 + i))
            labellers.append(ApiLabeller(transport, project.slug, token.key, annotator))
        return labellers

    def _simulate(self, name, rule, hyperparameters, opts) -> list[dict]:
        project = self._project(name, opts)
        training = TrainingSettings.objects.create(
            project=project, hyperparameters=hyperparameters, promotion_margin=opts["margin"],
            min_heldout_pairs=opts["min_heldout_pairs"], generate_after_promotion=False,
            continue_from_promoted=not opts["fresh_adapters"], timeout_minutes=120)
        labellers = self._labellers(project, rule, opts)
        train = list(project.prompts.filter(split=Split.TRAIN).order_by("id").values_list("id", flat=True))
        held_out = list(project.prompts.filter(split=Split.HELDOUT).order_by("id"))
        judged = held_out[: opts["judge_prompts"]]
        labelled_heldout = [p.pk for p in held_out[: opts["heldout_prompts"]]]  # [:None] is all
        self.stdout.write(self.style.MIGRATE_HEADING(
            f"\nRule {name}: project {project.slug}, {project.prompts.count()} prompts ({len(held_out)} held out: "
            f"{len(labelled_heldout)} labelled each round for the gate, {len(judged)} judged)"))
        self.stdout.write(f"{'round':>5} {'labels':>6} {'alpha':>6} {'eval pairs':>10} {'held-out acc':>12} "
                          f"{'95% low':>7} {'promoted':>9} {'win vs base':>11} {'minutes':>7}")
        rows, judged_before = [], {}  # adapter id -> its win rate against the base
        for number in range(1, opts["rounds"] + 1):
            started = time.monotonic()
            promoted = promoted_adapter(project=project)
            # Fresh training prompts each round (cycling when they run out), and the same
            # held-out prompts every round, so each snapshot's held-out set grows by one
            # pair a prompt: what the gate needs to judge with confidence.
            offset = (number - 1) * opts["prompts"]
            picked = [train[(offset + i) % len(train)] for i in range(min(opts["prompts"], len(train)))]
            prompt_ids = picked + labelled_heldout
            generation = GenerationRound.objects.create(
                project=project, adapter=promoted, trigger="simulate",
                config=round_config(prompts=len(prompt_ids), prompt_ids=prompt_ids, kind=TaskKind.PAIR,
                                    pairing="previous" if promoted else "samples", temperature=opts["temperature"],
                                    max_new_tokens=opts["max_new_tokens"], seed=opts["seed"] * 100 + number),
            )
            generation = round_execute(round_id=generation.pk)
            if generation.status != "succeeded":
                raise CommandError(f"generation round failed: {generation.failure_reason}")
            labelled = sum(labeller.label_all() for labeller in labellers)
            alpha = self._alpha(generation)
            run = TrainingRun.objects.create(project=project, algorithm="dpo", trigger="simulate",
                                             config=run_config(config=training))
            run = run_execute(run_id=run.pk)
            if run.status != "succeeded":
                raise CommandError(f"training run {run.pk} {run.status}: {run.failure_reason}")
            adapter = run.adapter
            scores, evidence = adapter.eval_metrics, gate_evidence(adapter=adapter)
            promoted = promoted_adapter(project=project)
            win = None
            if promoted and judged and promoted.pk in judged_before:
                win = judged_before[promoted.pk]  # the same adapter, prompts and seeds: the same answers
            elif promoted and judged:
                folder = judge_folder(project_slug=project.slug, number=number)
                win = judged_before[promoted.pk] = win_rate_against_base(
                    promoted, rule, judged, folder, max_new_tokens=opts["max_new_tokens"], temperature=0.7).rate
            metric = gate_metric(adapter=adapter)
            row = {"round": number, "labels": labelled, "alpha": alpha, "eval_pairs": scores.get("new", {}).get("rows"),
                   "gate_metric": metric, "new_accuracy": scores.get("new", {}).get(metric),
                   "accuracy_lower_bound": evidence.lower,
                   "gains": {c.key: {"gain": c.gain, "lower_bound": c.lower} for c in evidence.comparisons},
                   "likelihood_accuracy": scores.get("new", {}).get("preference_accuracy"),
                   "base_likelihood_accuracy": scores.get("base", {}).get("preference_accuracy"),
                   "adapter": adapter.label, "promoted": adapter.status == AdapterStatus.PROMOTED,
                   "gate_reason": adapter.gate_reason,
                   "promoted_now": promoted.label if promoted else None, "win_rate": win,
                   "minutes": round((time.monotonic() - started) / 60, 2)}
            rows.append(row)
            self.stdout.write(
                f"{number:>5} {labelled:>6} {self._fmt(alpha):>6} {row['eval_pairs'] or 0:>10} "
                f"{self._fmt(row['new_accuracy']):>12} {self._fmt(evidence.lower):>7} "
                f"{(adapter.label + (' yes' if row['promoted'] else ' no')):>9} "
                f"{('—' if win is None else f'{win:.0%}'):>11} {row['minutes']:>7.1f}"
            )
            self.stdout.write(f"      gate: {adapter.gate_reason}")
        return rows

    @staticmethod
    def _fmt(value):
        return "—" if value is None or value != value else f"{value:.2f}"

    @staticmethod
    def _alpha(generation) -> float | None:
        rows = list(Label.objects.filter(task__generation_round=generation).values_list("task_id", "answer"))
        if not rows:
            return None
        return krippendorff_alpha([task for task, _ in rows], [answer["choice"] for _, answer in rows])
