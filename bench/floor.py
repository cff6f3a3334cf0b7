"""The floor of a label round trip on this stack: what gunicorn, Django's middleware, DRF
and our token check cost with no labelling work at all, served and driven exactly as
bench/load.py serves and drives the real one.

    .venv/bin/python bench/floor.py [--seconds 8] [--rate 300]

Each route below is timed at saturation (as fast as answers come back), then paced at
--rate. Compare the figures with bench/load.py's (same machine, minutes apart): the
difference is what our labelling code costs above the framework, the part that code
changes can still take away.

"one-call" is the floor of a label served by one database call (the whole submit and
next lease in a PL/pgSQL function, say): its CPU per request plus the work a label's own
statements give Postgres (bench/label_profile.py prints it: the label's Postgres CPU less
that of as many trivial round trips) is the least such a design could cost. The last
line says how much CPU per request the machine's cores hold at --rate.

The routes are added in front of the app's own (settings: bench/floor_settings.py); this
module is both the runner and that URLconf (its `urlpatterns` are built on first use,
after Django is set up).
"""
import argparse
import http.client
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (bench/load.py: settings, gunicorn, meters)
import scratch  # noqa: E402  (bench/scratch.py: the scratch database)

ROUTES = {
    "hello": "plain Django view, full middleware",
    "drf": "DRF APIView, no authentication",
    "auth": "DRF APIView with our token check (1 statement)",
    "statements": "plain view, BEGIN + 10 trivial statements + COMMIT",
    "round-trip": "DRF + token check + BEGIN + 9 trivial statements + COMMIT (a label round trip's shape)",
    "one-call": "DRF + token check + one call of a PL/pgSQL function that runs 9 trivial statements",
}
# Created with the bench database, for "one-call".
NINE_STATEMENTS = (
    "CREATE FUNCTION floor_nine_statements(x integer) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN "
    + " ".join(f"PERFORM x + {i};" for i in range(9))
    + " RETURN x; END $$"
)


def trivial_statements(n: int) -> None:
    """BEGIN, n round trips of "SELECT %s", COMMIT: a transaction's protocol cost with no
    work in it (bench/label_profile.py compares a label's Postgres CPU with it)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(n):
            cursor.execute("SELECT %s", [i])
            cursor.fetchone()


def _routes():
    from django.db import connection
    from django.http import JsonResponse
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from feedback.urls import urlpatterns as app

    def hello(request):
        return JsonResponse({"ok": True})

    def statements(request):
        trivial_statements(10)
        return JsonResponse({"ok": True})

    class Drf(APIView):
        authentication_classes, permission_classes = [], []

        def get(self, request):
            return Response({"ok": True})

    class Auth(APIView):
        def get(self, request):
            return Response({"ok": True})

    class RoundTrip(APIView):
        def get(self, request):
            trivial_statements(9)
            return Response({"ok": True})

    class OneCall(APIView):
        def get(self, request):
            with connection.cursor() as cursor:
                cursor.execute("SELECT floor_nine_statements(%s)", [1])
                cursor.fetchone()
            return Response({"ok": True})

    views = {"hello": hello, "drf": Drf.as_view(), "auth": Auth.as_view(), "statements": statements,
             "round-trip": RoundTrip.as_view(), "one-call": OneCall.as_view()}
    return [path(f"floor/{name}/", view) for name, view in views.items()] + app


def __getattr__(name):
    # Django reads ROOT_URLCONF's `urlpatterns` once set up; DRF cannot be imported before.
    if name == "urlpatterns":
        return _routes()
    raise AttributeError(name)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=50, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement (max 60)")
    parser.add_argument("--rate", type=float, default=300.0, help="paced requests/s in the second pass")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/feedback_bench_floor")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60)
    return args


def drive(args, token: str, route: str, rate: float) -> tuple[int, list[float]]:
    """Requests answered and their latencies (s): each client paced on a fixed schedule
    at rate/annotators per second (rate 0: back to back), and each latency timed from
    when the request goes out, as bench/load.py does (so the two compare)."""
    interval = args.annotators / rate if rate else 0.0
    start = time.perf_counter() + 0.2
    stop = start + args.seconds
    latencies, failures = [], []

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        headers = {"Host": "127.0.0.1", "Authorization": f"Token {token}"}
        due = start + k * interval / args.annotators
        while True:
            if interval:
                time.sleep(max(0.0, due - time.perf_counter()))
            if (due if interval else time.perf_counter()) > stop:
                return
            sent = time.perf_counter()
            conn.request("GET", f"/floor/{route}/", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
            latencies.append(time.perf_counter() - sent)
            due += interval

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.annotators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"/floor/{route}/ answered {failures[:5]}")
    return len(latencies), latencies


def main():
    args = parse_args()
    scratch.recreate_database(args.database)
    load.setup_django(args.database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(NINE_STATEMENTS)
    token = Token.objects.create(user=get_user_model().objects.create_user("floor")).key
    os.environ["DJANGO_SETTINGS_MODULE"] = "floor_settings"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    server = load.start_gunicorn(args)
    try:
        print(f"gunicorn {args.workers}x{args.threads} gthread  {args.annotators} keep-alive clients  "
              f"{args.seconds:.0f} s each")
        runs = [(route, 0.0) for route in ROUTES] + [(route, args.rate) for route in ROUTES]
        for route, rate in runs:
            drive(args, token, route, rate)  # warm-up: connections, imports
            meter = load.CpuMeter(server.pid)
            answered, latencies = drive(args, token, route, rate)
            cpu = meter.per_label(answered).replace("cpu ms/label", "cpu ms/request")
            ms = [1000 * x for x in latencies]
            print(f"{route:<11} {'max' if not rate else f'{rate:.0f}/s':>6}  req/s {answered / args.seconds:7.1f}  "
                  f"p50 {load.percentile(ms, .5):6.1f} ms  p95 {load.percentile(ms, .95):6.1f} ms  {cpu}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    cores = len(os.sched_getaffinity(0))
    print(f"budget     at {args.rate:.0f} req/s, {cores} cores hold {1000 * cores / args.rate:.2f} cpu ms/request "
          f"(server + postgres + client, all on this machine)")
    print(load.machine_speed(args.database))
    for route, what in ROUTES.items():
        print(f"  {route:<11} {what}")


if __name__ == "__main__":
    main()
