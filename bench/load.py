"""Load benchmark: simulated annotators label through the real pages, served by gunicorn
on Postgres over loopback.

    .venv/bin/python bench/load.py --annotators 50 --rate 320 --seconds 20

Each annotator is a thread. With --via api (the default) it labels over the REST API with
its own token: POST the answer to /api/v1/.../submit/?next=true and take the next task
from the response (one round trip per label; the first task comes from .../next/). With
--via page it does what the htmx page does, with a logged-in session: POST the form and
read the next task from the returned HTML. A share of submits is sent twice with the same submission id, as a browser
retry would. With --rate the annotators together aim at that many labels per second
(each paced on a fixed schedule, so a slow server shows as latency, not as a lower
offered load); --rate 0 sends as fast as answers come back (saturation).

At the end it prints p50/p95/p99 latency and labels/s of the steady state (requests sent
after --warmup seconds, while fresh workers open connections and prepare statements),
two reference timings of the machine (to compare figures across machines), and checks
in the database that no label was lost (every 2xx the clients saw is stored), none
duplicated (one per submission id and per annotator-task), and no task holds more than
k labels.
Everything runs on this machine: a scratch database, gunicorn on 127.0.0.1, bounded in
time and in requests. The project starts with --history tasks already labelled, as one
in use has them (see seed_history).
"""
import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import recreate_database  # noqa: E402  (bench/scratch.py)

SUBMIT_RE = re.compile(r'action="(/p/[\w-]+/label/(\d+)/submit/)"')
KIND_RE = re.compile(r'data-kind="(\w+)"[^>]*data-count="(\d+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--rate", type=float, default=320.0, help="target labels/s in total; 0 = as fast as possible")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to drive load (max 300)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="first seconds not counted in latency and labels/s (fresh workers connect, compile, prepare)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="hard bound on requests sent")
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--history", type=int, default=2000,
                        help="tasks already fully labelled before the run, by earlier annotators (a project in use)")
    parser.add_argument("--retry-share", type=float, default=0.05, help="share of submits re-sent with the same id")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--via", choices=["api", "page"], default="api")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/feedback_bench")
    return parser.parse_args()


def server_env(database_url: str) -> dict:
    """Production-like settings for gunicorn, shared with this process so the sessions
    it creates are signed with the same key."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(REPO / "var" / "bench-static"),
    }


def setup_django(database_url: str):
    os.environ.update(server_env(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "feedback.settings"
    import django

    django.setup()


def seed(args) -> tuple[str, list[str]]:
    """A project with `tasks` pair tasks; for each annotator an API token (--via api) or
    a logged-in session (--via page)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from feedback.labelling.models import Membership, Project
    from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
    from feedback.labelling.services.imports import import_jsonl

    call_command("migrate", verbosity=0)
    project = Project.objects.create(name="Load", slug="load", overlap=args.overlap, gold_rate=0)
    User = get_user_model()
    boss = User.objects.create_user("boss")
    codebook = codebook_publish(project=project, text="Pick the better answer.", author=boss)
    import json

    rows = (
        json.dumps(
            {
                "external_id": f"load-{i}",
                "prompt": f"Question {i}: explain something in one paragraph.",
                "kind": "pair",
                "candidates": [{"text": f"Answer A{i} " * 20, "producer": "m-a"}, {"text": f"Answer B{i} " * 20, "producer": "m-b"}],
            }
        )
        for i in range(args.tasks + args.history)
    )
    import_jsonl(project=project, lines=rows)
    seed_history(project, codebook, args)
    sessions = []
    for i in range(args.annotators):
        user = User.objects.create_user(f"sim{i:03d}")
        Membership.objects.create(project=project, user=user)
        codebook_acknowledge(user=user, codebook=codebook)
        sessions.append(login_for(user, args.via))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a long-running database would have
    return project.slug, sessions


def login_for(user, via: str) -> str:
    """An API token (via "api") or the key of a logged-in session (via "page") for `user`."""
    if via == "api":
        from rest_framework.authtoken.models import Token

        return Token.objects.get_or_create(user=user)[0].key
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def seed_history(project, codebook, args) -> None:
    """The last `history` tasks labelled k times by earlier annotators, as a project in use
    has them. Without a history the statistics Postgres plans with describe empty lease
    and label tables: plans cached then (prepared statements keep theirs until the next
    autovacuum, a minute or more away) scan them whole, and grow slower as the run fills
    them, which no long-running database sees."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db.models import F
    from django.utils import timezone

    from feedback.labelling.models import Assignment, AssignmentStatus, Label, Task

    tasks = list(Task.objects.filter(project=project).order_by("-id")[:args.history])
    now = timezone.now()
    for j in range(args.overlap):
        past = get_user_model().objects.create_user(f"past{j}")
        assignments = Assignment.objects.bulk_create(
            Assignment(task=t, annotator=past, status=AssignmentStatus.DONE, leased_at=now - timedelta(days=7),
                       expires_at=now - timedelta(days=7), finished_at=now - timedelta(days=7), display_order=[0, 1])
            for t in tasks
        )
        Label.objects.bulk_create(
            Label(assignment=a, task=a.task, annotator=past, codebook=codebook, kind="pair", answer={"choice": "A", "strength": None},
                  display_order=[0, 1], time_spent_ms=4000, submission_id=uuid.uuid4(), created_at=a.finished_at)
            for a in assignments
        )
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(labels_done=F("labels_done") + args.overlap)


def start_gunicorn(args) -> subprocess.Popen:
    env = dict(os.environ, **server_env(args.database))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "feedback.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
         "--keep-alive", "30", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


class Annotator(threading.Thread):
    def __init__(self, args, slug, session_key, stop_at, interval, budget, measure_from):
        super().__init__(daemon=True)
        self.args, self.slug, self.stop_at, self.interval, self.budget = args, slug, stop_at, interval, budget
        self.measure_from = measure_from  # monotonic time when the warm-up ends
        self.cookie = session_key if session_key.startswith("token=") else f"sessionid={session_key}"
        self.latencies: list[float] = []  # of requests sent after the warm-up
        self.stored: list[str] = []  # submission ids the server acknowledged
        self.measured = 0  # labels acknowledged for submits sent after the warm-up
        self.errors: list[str] = []
        self.rng = random.Random(session_key)

    def request(self, conn, method, path, body=None, headers=None):
        cookie = self.cookie + (f"; csrftoken={self.csrf}" if self.csrf else "")
        headers = dict(headers or {}, Cookie=cookie)
        start = time.monotonic()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        self.record(start)
        if response.status == 200:
            for header in response.getheader("Set-Cookie", "").split(","):
                if header.strip().startswith("csrftoken="):
                    self.csrf = header.strip().split(";")[0].split("=", 1)[1]
        return response.status, text

    def record(self, start: float) -> None:
        if start >= self.measure_from:
            self.latencies.append(time.monotonic() - start)

    def acknowledged(self, submission_id: str, sent_at: float) -> None:
        self.stored.append(submission_id)
        self.measured += sent_at >= self.measure_from

    def answer(self, html):
        kind, count = KIND_RE.search(html).groups()
        count = int(count)
        if kind == "pair":
            return {"choice": self.rng.choice("AB")}
        if kind == "thumbs":
            return {f"thumb_{i}": self.rng.choice(["up", "down"]) for i in range(count)}
        order = list(range(1, count + 1))
        self.rng.shuffle(order)
        # keep_shown_order: what the page sends once the annotator has ranked.
        return {**{f"rank_{i}": r for i, r in enumerate(order)}, "keep_shown_order": "1"}

    def run(self):
        if self.args.via == "api":
            return self.run_api()
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
        self.csrf = ""
        status, html = self.request(conn, "GET", f"/p/{self.slug}/label/")
        if status != 200:
            self.errors.append(f"first page: HTTP {status}")
            return
        self.csrf = self.csrf or CSRF_RE.search(html).group(1)
        next_at = time.monotonic() + self.rng.random() * self.interval
        while time.monotonic() < self.stop_at and self.budget.acquire(blocking=False):
            match = SUBMIT_RE.search(html)
            if not match:
                return  # nothing left for this annotator
            if self.interval:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += self.interval
            submission_id, sent_at = str(uuid.uuid4()), time.monotonic()
            body = urlencode(dict(self.answer(html), submission_id=submission_id, time_spent_ms=self.rng.randint(500, 9000)))
            headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true", "X-CSRFToken": self.csrf}
            try:
                status, html = self.request(conn, "POST", match.group(1), body, headers)
                if status == 200 and self.rng.random() < self.args.retry_share:
                    # A browser retry of the same submit: must not store a second label.
                    self.request(conn, "POST", match.group(1), body, headers)
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(repr(error))
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
                status, html = self.request(conn, "GET", f"/p/{self.slug}/label/")
                continue
            if status != 200:
                self.errors.append(f"HTTP {status}")
                status, html = self.request(conn, "GET", f"/p/{self.slug}/label/")
                continue
            self.acknowledged(submission_id, sent_at)


class ApiAnnotator(Annotator):
    def __init__(self, *a):
        super().__init__(*a)
        self.token = self.cookie.split("=", 1)[1]

    def call(self, conn, method, path, payload=None):
        import json

        body = json.dumps(payload) if payload is not None else None
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        start = time.monotonic()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        self.record(start)
        return response.status, (json.loads(raw) if raw else None)

    def api_answer(self, task):
        if task["task"]["kind"] == "pair":
            return {"choice": self.rng.choice("AB")}
        if task["task"]["kind"] == "thumbs":
            return {"thumbs": {str(c["position"]): self.rng.choice(["up", "down"]) for c in task["candidates"]}}
        order = [c["position"] for c in task["candidates"]]
        self.rng.shuffle(order)
        return {"order": order}

    @staticmethod
    def confirms(task, answer) -> dict:
        """A ranking that is the order shown must say the annotator kept it on purpose."""
        return {"keep_shown_order": True} if answer.get("order") == [c["position"] for c in task["candidates"]] else {}

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
        base = f"/api/v1/projects/{self.slug}"
        status, task = self.call(conn, "POST", f"{base}/next/")
        next_at = time.monotonic() + self.rng.random() * self.interval
        while task and time.monotonic() < self.stop_at and self.budget.acquire(blocking=False):
            if self.interval:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += self.interval
            submission_id, sent_at = str(uuid.uuid4()), time.monotonic()
            answer = self.api_answer(task)
            payload = {"answer": answer, "submission_id": submission_id,
                       "time_spent_ms": self.rng.randint(500, 9000), **self.confirms(task, answer)}
            url = f"{base}/assignments/{task['assignment']}/submit/?next=true"
            try:
                status, body = self.call(conn, "POST", url, payload)
                if status == 201 and self.rng.random() < self.args.retry_share:
                    # A client retry of the same submit: must not store a second label.
                    retry_status, _ = self.call(conn, "POST", url, payload)
                    if retry_status != 200:
                        self.errors.append(f"retry answered HTTP {retry_status}")
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(repr(error))
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
                status, task = self.call(conn, "POST", f"{base}/next/")
                continue
            if status != 201:
                self.errors.append(f"HTTP {status}: {body}")
                status, task = self.call(conn, "POST", f"{base}/next/")
                continue
            self.acknowledged(submission_id, sent_at)
            task = body.get("next")


def check_database(slug, annotators, overlap) -> list[str]:
    from django.db.models import Count

    from feedback.labelling.models import Label, Task

    problems = []
    told = {sid for a in annotators for sid in a.stored}
    run = Label.objects.filter(task__project__slug=slug, annotator__username__startswith="sim")  # not the history
    stored = {str(sid) for sid in run.values_list("submission_id", flat=True)}
    if told - stored:
        problems.append(f"{len(told - stored)} acknowledged labels are missing (lost)")
    if stored - told:
        problems.append(f"{len(stored - told)} labels stored that no client was told about")
    dup = Label.objects.values("task", "annotator").annotate(n=Count("id")).filter(n__gt=1).count()
    if dup:
        problems.append(f"{dup} annotator-task pairs labelled twice")
    over = Task.objects.filter(project__slug=slug).annotate(n=Count("labels")).filter(n__gt=overlap).count()
    if over:
        problems.append(f"{over} tasks hold more than k={overlap} labels")
    drift = sum(1 for t in Task.objects.filter(project__slug=slug).annotate(n=Count("labels")) if t.n != t.labels_done)
    if drift:
        problems.append(f"{drift} tasks whose labels_done counter disagrees with their labels")
    return problems


def machine_speed(database_url: str) -> str:
    """Two reference timings of this machine, best of five, so that figures from machines
    of different speed can be compared (the same code has measured twice as fast on one
    machine of this kind as on another): a pure-Python loop, and a Postgres round trip."""
    import psycopg

    def best(run) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    python_ms = 1000 * best(lambda: [sum(range(1000)) for _ in range(2000)])
    with psycopg.connect(database_url, autocommit=True) as conn:
        round_trip_us = 1e6 * best(lambda: [conn.execute("SELECT 1").fetchall() for _ in range(200)]) / 200
    return f"machine    python loop {python_ms:.1f} ms (reference)  postgres round trip {round_trip_us:.0f} us"


class CpuMeter:
    """CPU time spent by the server (gunicorn's processes), Postgres and this client
    between two readings of /proc (Linux): what a label costs, steadier from run to run
    than labels/s on a machine whose speed drifts."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.start = self.read()

    def read(self) -> dict[int, tuple[str, float]]:
        """{pid: (whose, CPU seconds so far)} of the server's, Postgres's and this process."""
        found = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # gone meanwhile
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            pid, ppid, used = int(entry), int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
            if pid == self.server_pid or ppid == self.server_pid:
                found[pid] = ("server", used)
            elif comm == "postgres":
                found[pid] = ("postgres", used)
            elif pid == os.getpid():
                found[pid] = ("client", used)
        return found

    def spent(self) -> dict[str, float]:
        """CPU seconds of the server, Postgres and the client since the first reading."""
        # Per process, what it spent since the first reading (all of it, if it started
        # since). One that ended meanwhile is left out: a Postgres backend whose
        # connection reached CONN_MAX_AGE takes its whole lifetime's CPU with it, which
        # summed totals subtracted (negative figures). Its last seconds go uncounted.
        spent = {"server": 0.0, "postgres": 0.0, "client": 0.0}
        for pid, (whose, used) in self.read().items():
            spent[whose] += used - self.start.get(pid, (whose, 0.0))[1]
        return spent

    def per_label(self, labels: int) -> str:
        spent = {whose: 1000 * seconds / max(labels, 1) for whose, seconds in self.spent().items()}
        parts = "  ".join(f"{name} {ms:.2f}" for name, ms in spent.items())
        return f"cpu ms/label  {parts}  total {sum(spent.values()):.2f}"


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main():
    args = parse_args()
    args.seconds = min(args.seconds, 300)
    recreate_database(args.database)
    setup_django(args.database)
    slug, sessions = seed(args)
    server = start_gunicorn(args)
    try:
        interval = args.annotators / args.rate if args.rate else 0.0
        budget = threading.Semaphore(args.max_requests)
        start = time.monotonic()
        measure_from = start + min(args.warmup, args.seconds / 2)
        kind = ApiAnnotator if args.via == "api" else Annotator
        annotators = [kind(args, slug, f"token={s}" if args.via == "api" else s, start + args.seconds, interval, budget,
                           measure_from) for s in sessions]
        for a in annotators:
            a.start()
        time.sleep(max(0.0, measure_from - time.monotonic()))
        meter = CpuMeter(server.pid)
        for a in annotators:
            a.join(timeout=args.seconds + 60)
        end = time.monotonic()
        elapsed, measured_for = end - start, end - measure_from
        cpu = meter.per_label(sum(a.measured for a in annotators))
    finally:
        server.terminate()
        server.wait(timeout=20)
    latencies = [x * 1000 for a in annotators for x in a.latencies]
    labels = sum(len(a.stored) for a in annotators)
    measured = sum(a.measured for a in annotators)
    errors = [e for a in annotators for e in a.errors]
    problems = check_database(slug, annotators, args.overlap)
    print(f"via {args.via}  annotators {args.annotators}  target {args.rate or 'max'} labels/s  duration {elapsed:.1f} s  "
          f"gunicorn {args.workers}x{args.threads} gthread  (first {elapsed - measured_for:.1f} s: warm-up, not counted)")
    print(f"requests measured {len(latencies)}  labels stored {labels} (all)  labels/s {measured / measured_for:.1f}  "
          f"errors {len(errors)}")
    print(f"latency ms  p50 {percentile(latencies, .5):.1f}  p95 {percentile(latencies, .95):.1f}  "
          f"p99 {percentile(latencies, .99):.1f}  mean {statistics.fmean(latencies):.1f}")
    print(cpu)
    print(machine_speed(args.database))
    print("integrity  " + ("OK: nothing lost, nothing duplicated, no task over k" if not problems else "; ".join(problems)))
    if errors:
        print("first errors:", errors[:5])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
