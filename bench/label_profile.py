"""Where one label's CPU goes, without the load: the API's submit-with-next (or with
--via page, the labelling page's htmx submit) through Django's WSGI handler in this
process, one request at a time, on Postgres.

    .venv/bin/python bench/label_profile.py --labels 400 [--via page] [--profile cumulative|tottime]

Prints CPU ms and wall ms per label and the statements per label, then the Postgres CPU
per label beside that of as many trivial round trips (BEGIN, "SELECT %s"s, COMMIT) on the
same connection: the difference is the work a label's own statements give Postgres, which
no way of sending them takes away (see bench/floor.py's one-call route). With --profile,
it also prints cProfile's top functions for a second pass. No gunicorn, no threads and no
competing clients, so the figures hold still from run to run where bench/load.py's
labels/s drifts with the machine. The project and logins come from bench/load.py's seed.
"""
import argparse
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402  (bench/floor.py: the trivial round trips)
import load  # noqa: E402  (bench/load.py: database, settings, seed and CPU meter)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=400, help="labels measured (after 100 of warm-up)")
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--via", choices=["api", "page"], default="api")
    parser.add_argument("--profile", choices=["cumulative", "tottime"], help="also print cProfile's top functions")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/feedback_bench_profile")
    args = parser.parse_args()
    # What seed() reads: a project in use, with a labelled history.
    args.tasks, args.overlap, args.history = max(600, 2 * args.labels), 3, 300
    return args


class WsgiClient:
    """Sends requests straight into Django's WSGI handler."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.app = WSGIHandler()

    def send(self, method: str, path: str, raw: bytes, headers: dict) -> tuple[int, bytes]:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(raw)), **headers,
        }
        status = []
        content = b"".join(self.app(environ, lambda s, headers, exc_info=None: status.append(s)))
        return int(status[0].split()[0]), content


class LabelClient(WsgiClient):
    """The API: a token per annotator; a task is the JSON the API returns."""

    def __init__(self, slug: str):
        super().__init__()
        self.base = f"/api/v1/projects/{slug}"

    def call(self, token: str, path: str, body: dict | None = None):
        raw = json.dumps(body).encode() if body is not None else b""
        status, content = self.send("POST", path, raw, {"CONTENT_TYPE": "application/json",
                                                         "HTTP_AUTHORIZATION": f"Token {token}"})
        return status, json.loads(content) if content else None

    def first_task(self, token: str) -> dict:
        return self.call(token, f"{self.base}/next/")[1]

    def label(self, token: str, task: dict) -> dict:
        body = {"answer": {"choice": "A"}, "submission_id": str(uuid.uuid4()), "time_spent_ms": 1000}
        status, result = self.call(token, f"{self.base}/assignments/{task['assignment']}/submit/?next=true", body)
        if status != 201:
            raise SystemExit(f"submit answered HTTP {status}: {result}")
        return result["next"]


class PageClient(WsgiClient):
    """The labelling page as htmx drives it: a logged-in session per annotator; a task
    is the HTML the page swaps in."""

    CSRF = "bench" * 6 + "ab"  # a 32-character CSRF secret, sent as cookie and header

    def __init__(self, slug: str):
        super().__init__()
        self.slug = slug

    def request(self, session: str, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        raw = urlencode(form).encode() if form else b""
        status, content = self.send(method, path, raw, {
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_HX_REQUEST": "true",
            "HTTP_COOKIE": f"sessionid={session}; csrftoken={self.CSRF}", "HTTP_X_CSRFTOKEN": self.CSRF,
        })
        return status, content.decode()

    def first_task(self, session: str) -> str:
        return self.request(session, "GET", f"/p/{self.slug}/label/")[1]

    def label(self, session: str, html: str) -> str:
        form = {"choice": "A", "submission_id": str(uuid.uuid4()), "time_spent_ms": 1000}
        status, html = self.request(session, "POST", load.SUBMIT_RE.search(html).group(1), form)
        if status != 200 or not load.SUBMIT_RE.search(html):
            raise SystemExit(f"submit answered HTTP {status}: {html[:300]}")
        return html


def main():
    args = parse_args()
    load.recreate_database(args.database)
    load.setup_django(args.database)
    from django.db import connection

    slug, logins = load.seed(args)  # API tokens or session keys
    client = (LabelClient if args.via == "api" else PageClient)(slug)
    tasks = {login: client.first_task(login) for login in logins}

    def label_round(n):
        for i in range(n):
            login = logins[i % len(logins)]
            tasks[login] = client.label(login, tasks[login])

    label_round(100)  # warm-up: connections, prepared statements, imports
    statements = []  # of one label; the WSGI handler empties Django's own query log per request

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        label_round(1)
    meter = load.CpuMeter(os.getpid())  # this process counts as the server
    start_wall = time.perf_counter()
    label_round(args.labels)
    wall, spent = time.perf_counter() - start_wall, meter.spent()
    cpu, label_postgres = spent["server"], spent["postgres"]
    print(f"per label  cpu {1000 * cpu / args.labels:.2f} ms  wall {1000 * wall / args.labels:.2f} ms  "
          f"statements {len(statements)}, plus BEGIN and COMMIT of each transaction  "
          f"({args.labels} labels, one at a time, in-process)")

    meter = load.CpuMeter(os.getpid())
    for _ in range(args.labels):
        floor.trivial_statements(len(statements))
    trivial_postgres = meter.spent()["postgres"]
    print(f"postgres   cpu ms/label {1000 * label_postgres / args.labels:.2f}  as many trivial round trips "
          f"{1000 * trivial_postgres / args.labels:.2f}  the label's own work "
          f"{1000 * (label_postgres - trivial_postgres) / args.labels:.2f}")
    print(load.machine_speed(args.database))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(label_round, args.labels)
        pstats.Stats(profiler).sort_stats(args.profile).print_stats(40)


if __name__ == "__main__":
    main()
