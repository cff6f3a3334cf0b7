"""Where one label's CPU goes, without the load: the API's submit-with-next through
Django's WSGI handler in this process, one request at a time, on Postgres.

    .venv/bin/python bench/label_profile.py --labels 400 [--profile cumulative|tottime]

Prints CPU ms and wall ms per label and the statements per label, then the Postgres CPU
per label beside that of as many trivial round trips (BEGIN, "SELECT %s"s, COMMIT) on the
same connection: the difference is the work a label's own statements give Postgres, which
no way of sending them takes away (see bench/floor.py's one-call route). With --profile,
it also prints cProfile's top functions for a second pass. No gunicorn, no threads and no
competing clients, so the figures hold still from run to run where bench/load.py's
labels/s drifts with the machine. The project and tokens come from bench/load.py's seed.
"""
import argparse
import io
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import floor  # noqa: E402  (bench/floor.py: the trivial round trips)
import load  # noqa: E402  (bench/load.py: database, settings, seed and CPU meter)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=400, help="labels measured (after 100 of warm-up)")
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--profile", choices=["cumulative", "tottime"], help="also print cProfile's top functions")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/feedback_bench_profile")
    args = parser.parse_args()
    # What seed() reads: a project in use, with a labelled history.
    args.tasks, args.overlap, args.history, args.via = max(600, 2 * args.labels), 3, 300, "api"
    return args


class LabelClient:
    """Sends the API's requests straight into Django's WSGI handler."""

    def __init__(self, slug: str):
        from django.core.handlers.wsgi import WSGIHandler

        self.app, self.base = WSGIHandler(), f"/api/v1/projects/{slug}"

    def call(self, token: str, path: str, body: dict | None = None):
        raw = json.dumps(body).encode() if body is not None else b""
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": f"Token {token}",
        }
        status = []
        content = b"".join(self.app(environ, lambda s, headers, exc_info=None: status.append(s)))
        return int(status[0].split()[0]), json.loads(content) if content else None

    def first_task(self, token: str) -> dict:
        return self.call(token, f"{self.base}/next/")[1]

    def label(self, token: str, task: dict) -> dict:
        body = {"answer": {"choice": "A"}, "submission_id": str(uuid.uuid4()), "time_spent_ms": 1000}
        status, result = self.call(token, f"{self.base}/assignments/{task['assignment']}/submit/?next=true", body)
        if status != 201:
            raise SystemExit(f"submit answered HTTP {status}: {result}")
        return result["next"]


def main():
    args = parse_args()
    load.recreate_database(args.database)
    load.setup_django(args.database)
    from django.db import connection

    slug, tokens = load.seed(args)
    client = LabelClient(slug)
    tasks = {token: client.first_task(token) for token in tokens}

    def label_round(n):
        for i in range(n):
            token = tokens[i % len(tokens)]
            tasks[token] = client.label(token, tasks[token])

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
