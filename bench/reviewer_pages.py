"""Reviewer pages benchmark: how long each reviewer page takes at N labels, while
annotators label over the REST API.

    .venv/bin/python bench/reviewer_pages.py --labels 100000 1000000 --rate 100 --repeat 3

For each N it seeds a scratch Postgres database with COPY: one project (k = 3) with pair,
rank and thumbs tasks whose candidates come from the base model, two adapter versions and
an imported model; 50 annotators of three tiers who mostly agree with a per-task latent
preference (so some tasks are disputed); labels over 90 days under three codebook
versions (the last active); gold tasks, a calibration set, adjudications, training runs
and adapters; and tasks still open to label. If the project has the `quality_fold`
command (it brings kept aggregates up to date), it runs it and times it apart. Then it
serves the database with gunicorn on 127.0.0.1, starts the annotators of bench/load.py
at --rate labels/s, and times every reviewer page as a logged-in reviewer over HTTP,
--repeat times each (a page that answers anything but 200 is reported FAILED, the others
are still timed, and the bench exits non-zero). It prints each page's median
and max, the labels/s the annotators achieved meanwhile, and the machine's reference
timings; then a table of the medians per N, with the ratio of the largest N to the
smallest. Each N runs in a fresh process, on its own database, dropped at the end
(--keep leaves it).
"""
import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (bench/load.py: settings, gunicorn, annotators, machine timings)
from scratch import copy_rows, drop_database, recreate_database, reset_sequences  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/feedback_bench_reviewer"
SLUG = "bench"
DAYS = 90
ANNOTATORS = 50
TIERS = {"trainee": 10, "regular": 30, "expert": 10}
NOISE = {"trainee": 0.5, "regular": 0.3, "expert": 0.15}  # spread of an annotator's read of each response
CODEBOOKS = 3
GOLD_TASKS, GOLD_LABELS = 200, 10
CALIBRATION_TASKS, CALIBRATION_LABELS = 20, 40
ADJUDICATED_SHARE = 0.01
CHUNK_TASKS = 20_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, nargs="+", default=[100_000, 1_000_000], help="sizes to measure")
    parser.add_argument("--rate", type=float, default=100.0, help="background labels/s while the pages are timed; 0: none")
    parser.add_argument("--repeat", type=int, default=3, help="requests per page")
    parser.add_argument("--db", default=DEFAULT_DB, help="scratch database URL prefix; each size gets <prefix>_<N>")
    parser.add_argument("--open-tasks", type=int, default=20_000, help="tasks with no label yet, for the annotators")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of labelling before the first page is timed")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--keep", action="store_true", help="leave the scratch databases in place")
    parser.add_argument("--fold-every", type=float, default=5.0,
                        help="seconds between the beat's folds of new labels while pages are timed (as in production)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run one size in this process
    parser.add_argument("--result", help=argparse.SUPPRESS)  # where that run writes its figures
    return parser.parse_args()


# Producers of candidates: (kind, name, adapter version or None, mean quality).
PRODUCERS = [("base", "demo", None, 0.0), ("adapter", "v1", 1, 0.3), ("adapter", "v2", 2, 0.5),
             ("imported", "gpt-4o-mini", None, 0.4)]


class Seeder:
    """Writes the project's rows with COPY, a chunk of tasks at a time (bounded memory,
    progress as it goes). Ids are given here, so rows can point at each other."""

    def __init__(self, cursor, project, codebooks, annotators, adapters, reviewer_id, now):
        self.cur, self.project, self.codebooks, self.annotators = cursor, project, codebooks, annotators
        self.adapters, self.reviewer_id, self.now = adapters, reviewer_id, now
        self.start = now - timedelta(days=DAYS)
        self.rng = random.Random(0)
        self.ids = {"prompt": 0, "candidate": 0, "task": 0, "assignment": 0}
        self.rows = 0
        self.labels = 0

    def codebook_at(self, moment) -> int:
        """Labels from each third of the 90 days are under the next version."""
        third = min(CODEBOOKS - 1, int((moment - self.start) / timedelta(days=DAYS) * CODEBOOKS))
        return self.codebooks[third]

    def write(self, specs) -> None:
        """`specs`: (task kind, when it was made, labels it gets, gold, calibration codebook id)."""
        prompts, candidates, tasks, links, assignments, labels, adjudications = [], [], [], [], [], [], []
        for kind, made, n_labels, gold, calibration in specs:
            prompt = self.next_id("prompt")
            external = f"p{prompt}"
            prompts.append((prompt, self.project.pk, external, json.dumps([{"role": "user", "content": f"Question {prompt}: explain it briefly."}]),
                            "f", "{}", "heldout" if prompt % 5 == 0 else "train", made))
            count = {"pair": 2, "rank": self.rng.choice([3, 4]), "thumbs": self.rng.choice([2, 3])}[kind]
            producers = self.rng.sample(PRODUCERS, count)
            # The task's latent preference: each response's quality, which annotators read with noise.
            quality = [p[3] + self.rng.gauss(0, 0.6) for p in producers]
            task = self.next_id("task")
            for position, (p_kind, p_name, version, _) in enumerate(producers):
                candidate = self.next_id("candidate")
                candidates.append((candidate, prompt, f"Answer from {p_name} to question {prompt}: " + "some words " * 12, p_kind,
                                   p_name, self.adapters.get(version), "{}", uuid.uuid4().hex, made))
                links.append((task, candidate, position))
            gold_answer = json.dumps(self.answer(kind, quality, 0.0)) if gold else None
            tasks.append((task, self.project.pk, prompt, kind, uuid.uuid4().hex, count, "t" if gold else "f", gold_answer,
                          calibration, "t", n_labels, made))
            if n_labels >= 3 and not gold and calibration is None and self.rng.random() < ADJUDICATED_SHARE:
                adjudications.append((task, json.dumps(self.answer(kind, quality, 0.0)), self.reviewer_id, "", self.now, self.now))
            who = self.rng.sample(self.annotators, n_labels)
            for annotator_id, tier in who:
                # Most labels the same day as the task, some days later.
                late = timedelta(days=self.rng.randint(1, 5)) if self.rng.random() < 0.1 else timedelta(0)
                at = min(self.now, made + late + timedelta(minutes=self.rng.uniform(1, 600)))
                spent = self.rng.randint(1500, 30000)
                order = list(range(count))
                self.rng.shuffle(order)
                assignment = self.next_id("assignment")
                assignments.append((assignment, task, annotator_id, "done", at - timedelta(milliseconds=spent),
                                    at + timedelta(minutes=30), at, json.dumps(order)))
                labels.append((assignment, assignment, task, annotator_id, calibration or self.codebook_at(at), kind,
                               json.dumps(self.answer(kind, quality, NOISE[tier])), "", "", json.dumps(order), spent, uuid.uuid4(), at))
        self.rows += copy_rows(self.cur, "labelling_prompt", ["id", "project_id", "external_id", "messages", "is_chat", "metadata", "split",
                                                              "created_at"], prompts)
        self.rows += copy_rows(self.cur, "labelling_candidate", ["id", "prompt_id", "text", "producer_kind", "producer_name", "adapter_id",
                                                                 "sampling", "content_key", "created_at"], candidates)
        self.rows += copy_rows(self.cur, "labelling_task", ["id", "project_id", "prompt_id", "kind", "candidate_key", "candidate_count",
                                                            "is_gold", "gold_answer", "calibration_for_id", "is_active", "labels_done",
                                                            "created_at"], tasks)
        self.rows += copy_rows(self.cur, "labelling_taskcandidate", ["task_id", "candidate_id", "position"], links)
        self.rows += copy_rows(self.cur, "labelling_assignment", ["id", "task_id", "annotator_id", "status", "leased_at", "expires_at",
                                                                  "finished_at", "display_order"], assignments)
        self.rows += copy_rows(self.cur, "labelling_label", ["id", "assignment_id", "task_id", "annotator_id", "codebook_id", "kind",
                                                             "answer", "rewrite", "comment", "display_order", "time_spent_ms",
                                                             "submission_id", "created_at"], labels)
        # A reviewer's answer (the latent preference) on a few fully labelled tasks.
        self.rows += copy_rows(self.cur, "quality_adjudication", ["task_id", "answer", "reviewer_id", "note", "created_at", "updated_at"],
                               adjudications)
        self.labels += len(labels)

    def answer(self, kind: str, quality: list[float], noise: float) -> dict:
        """An answer in the stored (canonical positions) shape, from the responses' quality
        as one annotator reads it."""
        seen = [q + self.rng.gauss(0, noise) if noise else q for q in quality]
        if kind == "pair":
            if noise and self.rng.random() < 0.03:
                return {"choice": "both_bad", "strength": None}
            gap = seen[0] - seen[1]
            choice = "tie" if abs(gap) < 0.05 else ("A" if gap > 0 else "B")
            return {"choice": choice, "strength": None if choice == "tie" else min(3, 1 + int(abs(gap) / 0.4))}
        if kind == "rank":
            return {"order": sorted(range(len(seen)), key=lambda i: -seen[i])}
        return {"thumbs": {str(i): "up" if q > 0.2 else "down" for i, q in enumerate(seen)}}

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]


def kind_for(rng) -> str:
    return rng.choices(["pair", "rank", "thumbs"], weights=[2, 1, 1])[0]


def task_plan(n_labels: int, open_tasks: int, calibration_id: int, now, rng):
    """(kind, made, labels, gold, calibration) for every task, oldest first: gold and
    calibration items, tasks labelled k times over 90 days, a few partly labelled and
    the open ones at the end."""
    start = now - timedelta(days=DAYS)
    gold = min(GOLD_TASKS, n_labels // 500)
    partial = min(2000, n_labels // 100)
    rest = n_labels - gold * GOLD_LABELS - CALIBRATION_TASKS * CALIBRATION_LABELS - partial * 3 // 2
    full = max(0, rest // 3)
    yield from ((kind_for(rng), start, GOLD_LABELS, True, None) for _ in range(gold))
    yield from ((kind_for(rng), now - timedelta(days=DAYS // 3), CALIBRATION_LABELS, False, calibration_id)
                for _ in range(CALIBRATION_TASKS))
    span = timedelta(days=DAYS - 2)
    for i in range(full):
        yield kind_for(rng), start + span * (i / max(full, 1)) + timedelta(minutes=rng.uniform(0, 600)), 3, False, None
    for i in range(partial):
        yield kind_for(rng), now - timedelta(days=2, minutes=rng.uniform(0, 600)), 1 + i % 2, False, None
    yield from ((kind_for(rng), now - timedelta(hours=12), 0, False, None) for _ in range(open_tasks))


def seed(url: str, n_labels: int, open_tasks: int) -> dict:
    """The project and its rows; returns the credentials and what the bench needs to know."""
    import psycopg
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from feedback.labelling.models import CodebookAcknowledgement, CodebookVersion, Membership, Project, Role
    from feedback.labelling.services.codebooks import codebook_publish
    from feedback.loop.models import AdapterEvent, AdapterVersion, TrainingRun

    call_command("migrate", verbosity=0)
    now = timezone.now()
    User = get_user_model()
    project = Project.objects.create(name="Reviewer bench", slug=SLUG, overlap=3, gold_rate=0.1)
    boss = User.objects.create_user("boss")
    reviewer = User.objects.create_user("reviewer")
    tiers = [tier for tier, n in TIERS.items() for _ in range(n)]
    annotators = [User.objects.create_user(f"ann{i:02d}") for i in range(ANNOTATORS)]
    Membership.objects.bulk_create([Membership(project=project, user=boss, role=Role.ADMIN),
                                    Membership(project=project, user=reviewer, role=Role.REVIEWER)]
                                   + [Membership(project=project, user=u, tier=t) for u, t in zip(annotators, tiers)])
    codebooks = []
    for version in range(CODEBOOKS):
        codebook = codebook_publish(project=project, text=f"Pick the better answer (revision {version + 1}).", author=boss)
        CodebookVersion.objects.filter(pk=codebook.pk).update(created_at=now - timedelta(days=DAYS * (CODEBOOKS - version) / CODEBOOKS))
        codebooks.append(codebook.pk)
    CodebookAcknowledgement.objects.bulk_create([CodebookAcknowledgement(user=u, codebook_id=codebooks[-1])
                                                 for u in [reviewer, *annotators]])
    adapters = {}
    for version in (1, 2, 3):
        finished = now - timedelta(days=DAYS - 25 * version)
        run = TrainingRun.objects.create(project=project, algorithm="dpo", status="succeeded", trigger="schedule", step=200,
                                         total_steps=200, metrics={"train_loss": 0.4}, created_at=finished - timedelta(hours=1),
                                         started_at=finished - timedelta(hours=1), finished_at=finished)
        adapter = AdapterVersion.objects.create(
            project=project, version=version, algorithm="dpo", run=run, base_model="demo", directory=f"/tmp/adapter-v{version}",
            weights_sha256="0" * 64, status={1: "retired", 2: "promoted", 3: "rejected"}[version],
            eval_metrics={"heldout_accuracy": 0.5 + 0.05 * version}, created_at=finished,
            promoted_at=finished if version < 3 else None)
        AdapterEvent.objects.create(adapter=adapter, action="registered", actor=boss, created_at=finished)
        adapters[version] = adapter.pk
    TrainingRun.objects.create(project=project, algorithm="dpo", status="failed", trigger="manual", failure_reason="out of memory",
                               created_at=now - timedelta(days=3), started_at=now - timedelta(days=3), finished_at=now - timedelta(days=3))
    people = [(u.pk, t) for u, t in zip(annotators, tiers)]
    rng = random.Random(1)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        seeder = Seeder(cur, project, codebooks, people, adapters, reviewer.pk, now)
        chunk = []
        for spec in task_plan(n_labels, open_tasks, codebooks[-1], now, rng):
            chunk.append(spec)
            if len(chunk) == CHUNK_TASKS:
                seeder.write(chunk)
                conn.commit()
                chunk = []
                elapsed = time.perf_counter() - started
                print(f"  seeding: {seeder.labels:,} labels, {seeder.rows:,} rows in {elapsed:.0f} s "
                      f"({seeder.rows / elapsed:,.0f} rows/s)", flush=True)
        if chunk:
            seeder.write(chunk)
        reset_sequences(cur, ("labelling_prompt", "labelling_candidate", "labelling_task", "labelling_assignment", "labelling_label"))
        conn.commit()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map, as a long-running database would have
    print(f"seeded {seeder.labels:,} labels ({seeder.rows:,} rows) in {seconds:.1f} s ({seeder.rows / seconds:,.0f} rows/s); "
          f"{seeder.ids['task']:,} tasks, {open_tasks:,} of them open", flush=True)
    return {"labels": seeder.labels, "seed_s": round(seconds, 1), "rows_per_s": round(seeder.rows / seconds),
            "tokens": [load.login_for(u, "api") for u in annotators], "session": load.login_for(reviewer, "page"),
            "now": now}


def catch_up() -> float | None:
    """Seconds `quality_fold` took to bring the kept aggregates up to date, or None
    where the project has no such command."""
    from django.core.management import call_command, get_commands

    if "quality_fold" not in get_commands():
        return None
    started = time.perf_counter()
    call_command("quality_fold")
    return time.perf_counter() - started


class Beat(threading.Thread):
    """What the Celery beat does in production while annotators label: fold the new
    labels into the kept figures every few seconds (the quality app's beat entry), so a
    page folds only what arrived since."""

    def __init__(self, every: float):
        super().__init__(daemon=True)
        self.every, self.stopped, self.folds = every, threading.Event(), 0

    def run(self):
        from django.db import connection

        from feedback.quality.kept.folding import fold

        while not self.stopped.wait(self.every):
            fold()
            self.folds += 1
        connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=60)


def pages(now) -> list[tuple[str, str]]:
    today = now.date()
    week, month = today - timedelta(days=6), today - timedelta(days=29)
    base = f"/p/{SLUG}"
    return [
        ("dashboard", f"{base}/quality/"),
        ("dashboard codebook v2", f"{base}/quality/?codebook_version=2"),
        ("dashboard 7 days", f"{base}/quality/?since={week}&until={today}"),
        ("dashboard 30 days", f"{base}/quality/?since={month}&until={today}"),
        ("dashboard kind=pair", f"{base}/quality/?kind=pair"),
        ("disputed queue", f"{base}/quality/disputed/"),
        ("gold", f"{base}/quality/gold/"),
        ("labels list", f"{base}/labels/"),
        ("leaderboard", f"{base}/leaderboard/"),
        ("training runs", f"{base}/training/"),
        ("adapters", f"{base}/adapters/"),
    ]


class PageFailed(Exception):
    """A page answered something other than 200."""


def time_page(port: int, session: str, path: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise PageFailed(f"GET {path} answered HTTP {response.status}: {body[:300]!r}")
    return elapsed


def run_one(args) -> dict:
    url = f"{args.db}_{args.one}"
    recreate_database(url)
    load.setup_django(url)
    seeded = seed(url, args.one, args.open_tasks)
    fold = catch_up()
    print("catch-up after seeding: " + (f"quality_fold {fold:.1f} s" if fold is not None else "no quality_fold command, skipped"),
          flush=True)
    server_args = SimpleNamespace(database=url, port=args.port, workers=args.workers, threads=args.threads, retry_share=0.0, via="api")
    budget = threading.Semaphore(10_000_000)
    interval = ANNOTATORS / args.rate if args.rate else 0.0
    annotators = [load.ApiAnnotator(server_args, SLUG, f"token={token}", math.inf, interval, budget, time.monotonic())
                  for token in seeded["tokens"]] if args.rate else []
    server = load.start_gunicorn(server_args)
    beat = Beat(args.fold_every) if fold is not None else None
    try:
        for a in annotators:
            a.start()
        if beat:
            beat.start()
        time.sleep(args.warmup if annotators else 0)
        before, started, load_before = sum(len(a.stored) for a in annotators), time.monotonic(), os.getloadavg()[0]
        timings, failures = {}, {}
        for name, path in pages(seeded["now"]):
            try:
                times = [time_page(args.port, seeded["session"], path) for _ in range(args.repeat)]
            except PageFailed as failure:
                # Loud, but the other pages are still timed: a failure is itself a finding.
                timings[name], failures[name] = None, str(failure)
                print(f"  {name:<24} FAILED: {failure}", flush=True)
                continue
            timings[name] = times
            print(f"  {name:<24} median {statistics.median(times):7.3f} s   max {max(times):7.3f} s", flush=True)
        labelled, seconds = sum(len(a.stored) for a in annotators) - before, time.monotonic() - started
    finally:
        if beat:
            beat.stop()
        for a in annotators:
            a.stop_at = 0  # ends each annotator's loop after its request in flight, before the server goes
        for a in annotators:
            if a.is_alive():
                a.join(timeout=60)
        server.terminate()
        server.wait(timeout=20)
    errors = [e for a in annotators for e in a.errors]
    rate = labelled / seconds if annotators else 0.0
    print(f"background: {labelled} labels in {seconds:.1f} s of timing = {rate:.1f} labels/s (target {args.rate:g}); "
          f"errors {len(errors)}" + (f", first: {errors[:3]}" if errors else "")
          + (f"; the beat folded {beat.folds} times, every {args.fold_every:g} s" if beat else ""))
    machine = load.machine_speed(url)
    print(machine)
    print(f"load average {load_before:.2f} when timing began, {os.getloadavg()[0]:.2f} at the end; {os.cpu_count()} cores "
          "(other work on the machine inflates the figures)", flush=True)
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(url)
    return {"labels": seeded["labels"], "seed_s": seeded["seed_s"], "rows_per_s": seeded["rows_per_s"], "fold_s": fold,
            "pages": timings, "failures": failures, "background_rate": rate, "background_errors": len(errors), "machine": machine}


def report(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    names = list(results[sizes[0]]["pages"])
    print()
    print("median seconds per page (max of the repeats in brackets)")
    header = f"{'page':<24}" + "".join(f"{f'{n:,} labels':>22}" for n in sizes)
    if len(sizes) > 1:
        header += f"{f'ratio {sizes[-1]:,}/{sizes[0]:,}':>26}"
    print(header)
    for name in names:
        times = [results[n]["pages"][name] for n in sizes]
        cells = [f"{statistics.median(t):.3f} ({max(t):.3f})" if t else "FAILED" for t in times]
        line = f"{name:<24}" + "".join(f"{cell:>22}" for cell in cells)
        if len(sizes) > 1:
            ratio = f"{statistics.median(times[-1]) / statistics.median(times[0]):.1f}" if times[0] and times[-1] else "-"
            line += f"{ratio:>26}"
        print(line)
    for n in sizes:
        r = results[n]
        fold = f"{r['fold_s']:.1f} s" if r["fold_s"] is not None else "n/a"
        print(f"{n:,} labels: seeded {r['labels']:,} in {r['seed_s']} s ({r['rows_per_s']:,} rows/s), catch-up {fold}, "
              f"background {r['background_rate']:.1f} labels/s ({r['background_errors']} errors); {r['machine']}")
        for name, failure in r["failures"].items():
            print(f"{n:,} labels: {name} FAILED: {failure}")


def main():
    args = parse_args()
    if args.one:
        figures = run_one(args)
        with open(args.result, "w") as out:
            json.dump(figures, out)
        return 0
    results = {}
    for n in args.labels:
        print(f"== {n:,} labels ==", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as result:
            command = [sys.executable, __file__, "--one", str(n), "--result", result.name, "--rate", str(args.rate),
                       "--repeat", str(args.repeat), "--db", args.db, "--open-tasks", str(args.open_tasks),
                       "--warmup", str(args.warmup), "--port", str(args.port), "--workers", str(args.workers),
                       "--threads", str(args.threads), "--fold-every", str(args.fold_every)] + (
                           ["--keep"] if args.keep else [])
            if subprocess.run(command).returncode:
                sys.exit(f"the run at {n:,} labels failed")
            results[n] = json.loads(Path(result.name).read_text())
    report(results)
    return 1 if any(r["failures"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
