"""Reviewer pages at scale: the labels list and a label, gold and calibration, training
runs, a run, adapters, a generation round, and the API's label list, each timed as a
reviewer through Django's test client on the export bench's database (1,000,000 pair
labels by default, seeded by COPY: bench/export_preference.py).

    .venv/bin/python bench/reviewer_pages_lists.py --seed --labels 1000000   # seeds, then measures
    .venv/bin/python bench/reviewer_pages_lists.py                            # measures the seeded data

Beside the export bench's labels it adds, once: creation times spread over the labels
(three a second, in id order), a reviewer, 50 gold tasks and a
calibration set of 20, 300 training runs (most of them skipped by the schedule, every
tenth with a snapshot and an adapter), the newest snapshot 100,000 labels before the
newest label, and a generation round holding 1,000 tasks. Each page is fetched --repeat
times; the line gives the fastest and the median wall-clock time, the statements one
fetch ran, and the slowest statement's time. Target (issue 21): every page under 2 s at
1,000,000 labels.
"""
import argparse
import base64
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_preference  # noqa: E402  (its seed and Django set-up)

SLUG = "bench"


def add_reviewer_data() -> None:
    """The rows the export bench does not seed; added once (the reviewer is the marker)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Max

    from feedback.exports.models import Snapshot
    from feedback.labelling.models import Label, Membership, Project, Role, Task
    from feedback.loop.models import AdapterStatus, AdapterVersion, GenerationRound, RunStatus, TrainingRun

    User = get_user_model()
    if User.objects.filter(username="reviewer").exists():
        return
    project = Project.objects.get(slug=SLUG)
    codebook = project.codebooks.get(is_active=True)
    newest = Label.objects.aggregate(m=Max("id"))["m"]
    outcomes = "".join("1" if i % 3 else "0" for i in range(600))
    with transaction.atomic():
        # Labels that came in over time, three to a second (so the list's order needs its
        # tie-breaker): the export bench stamps them all alike.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE labelling_label SET created_at = timestamptz '2026-11-01 00:00:00+00' + (id / 3) * interval '1 second'")
        reviewer = User.objects.create_user("reviewer", password="reviewer")
        Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
        Task.objects.filter(pk__in=range(1, 51)).update(is_gold=True, gold_answer={"choice": "A", "strength": None})
        Task.objects.filter(pk__in=range(51, 71)).update(calibration_for=codebook)
        parent = None
        for n in range(300):
            if n % 10:
                TrainingRun.objects.create(project=project, algorithm="dpo", trigger="schedule", status=RunStatus.SKIPPED,
                                           skip_reason="too few new labels")
                continue
            last = newest - 100_000 - 10_000 * (29 - n // 10)
            snapshot = Snapshot.objects.create(project=project, dataset="preference", directory=f"snapshots/{n}",
                                               sha256="0" * 64, label_count=last, last_label_id=last)
            run = TrainingRun.objects.create(project=project, algorithm="dpo", status=RunStatus.SUCCEEDED, snapshot=snapshot,
                                             progress=[{"step": s, "loss": 1 / (s + 1), "reward_accuracy": 0.5} for s in range(200)])
            parent = AdapterVersion.objects.create(
                project=project, version=n // 10 + 1, algorithm="dpo", parent=parent, run=run, snapshot=snapshot,
                base_model="bench", directory=f"adapters/{n}", weights_sha256="0" * 64, status=AdapterStatus.RETIRED,
                eval_metrics={key: {"preference_accuracy": 0.6, "preference_outcomes": outcomes, "rows": 600}
                              for key in ("new", "base", parent.label if parent else "base")})
        generation = GenerationRound.objects.create(project=project, status=RunStatus.SUCCEEDED)
        Task.objects.filter(pk__in=range(1000, 2000)).update(generation_round=generation)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def pages() -> list[tuple[str, str]]:
    """(name, URL). A deep page's URL names it both ways, so that one list times the
    code before and after issue 21: a page number or offset (read before) and the label
    to start from or the cursor (read after); each ignores the other's parameter."""
    from feedback.labelling.models import Label
    from feedback.loop.models import GenerationRound, TrainingRun

    newest = Label.objects.order_by("-created_at", "-id").values_list("id", flat=True)
    second_page, last_page = newest[49], newest[Label.objects.count() - 50]
    label = newest[1000]
    run = TrainingRun.objects.filter(project__slug=SLUG, snapshot__isnull=False).order_by("-id").values_list("id", flat=True)[0]
    generation = GenerationRound.objects.filter(project__slug=SLUG).values_list("id", flat=True)[0]
    deep = Label.objects.order_by("id").values_list("id", flat=True)[Label.objects.count() - 1000]
    cursor = base64.b64encode(f"p={deep}".encode()).decode()
    api = f"/api/v1/projects/{SLUG}/labels/"
    return [
        ("labels", f"/p/{SLUG}/labels/"),
        ("labels, page 2", f"/p/{SLUG}/labels/?page=2&before={second_page}"),
        ("labels, the oldest page", f"/p/{SLUG}/labels/?page=20000&before={last_page}"),
        ("labels, one annotator", f"/p/{SLUG}/labels/?annotator=a07"),
        ("labels, an annotator with none", f"/p/{SLUG}/labels/?annotator=reviewer"),
        ("label", f"/p/{SLUG}/labels/{label}/"),
        ("gold and calibration", f"/p/{SLUG}/quality/gold/"),
        ("training runs", f"/p/{SLUG}/training/"),
        ("run", f"/p/{SLUG}/training/runs/{run}/"),
        ("adapters", f"/p/{SLUG}/adapters/"),
        ("round", f"/p/{SLUG}/rounds/{generation}/"),
        ("API labels", api),
        ("API labels, limit 500", f"{api}?limit=500"),
        ("API labels, 1,000 from the end", f"{api}?offset={Label.objects.count() - 1000}&cursor={cursor}"),
        ("API labels, one annotator", f"{api}?annotator=a07"),
        ("API labels, an annotator with none", f"{api}?annotator=reviewer"),
        ("API labels, kind=rank (none)", f"{api}?kind=rank"),
        ("API labels, codebook v2 (none)", f"{api}?codebook_version=2"),
        ("API labels, since (none)", f"{api}?since=2030-01-01"),
    ]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def measure(repeat: int, only: str, show_plan: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from django.contrib.auth import get_user_model

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="reviewer"))
    for name, url in pages():
        if only and only not in name:
            continue
        client.get(url, follow=True)  # untimed: the process's first fetch of a page loads its templates
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, follow=True)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        slowest = max(float(q["time"]) for q in queries.captured_queries) if queries.captured_queries else 0.0
        print(f"{name:32} {min(times) * 1000:8.0f} ms min {statistics.median(times) * 1000:8.0f} ms median "
              f"{len(queries.captured_queries):3d} statements, slowest {slowest * 1000:6.0f} ms   {url}", flush=True)
        if show_plan and queries.captured_queries:
            print(explain(max(queries.captured_queries, key=lambda q: float(q["time"]))["sql"]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=export_preference.DEFAULT_DB)
    parser.add_argument("--seed", action="store_true", help="seed the labels first (drops the database)")
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="measure the pages whose name holds this")
    parser.add_argument("--explain", action="store_true", help="print the plan of each page's slowest statement")
    args = parser.parse_args()
    if args.seed:
        export_preference.seed(args.database, args.labels, 3)
    else:
        export_preference.setup_django(args.database)
    add_reviewer_data()
    measure(args.repeat, args.only, args.explain)


if __name__ == "__main__":
    main()
