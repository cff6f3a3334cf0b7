"""Export benchmark: 1,000,000 pair labels in Postgres → preference JSON Lines through
the streaming path (the generator behind GET /api/v1/projects/<slug>/export/).

    .venv/bin/python bench/export_preference.py --labels 1000000

Seeds a scratch database with COPY (k=3 labels per pair task, so ~333k tasks), then runs
the export in a fresh process, so its peak RSS is the export's alone, and prints rows/s,
labels/s and peak RSS. Target: ≥ 100,000 rows/s and peak RSS < 300 MB.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import copy_rows, recreate_database, reset_sequences  # noqa: E402  (bench/scratch.py)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/feedback_bench_export"


def setup_django(url: str):
    os.environ.update(DATABASE_URL=url, DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="feedback.settings")
    import django

    django.setup()


def seed(url: str, n_labels: int, k: int) -> None:
    import psycopg

    recreate_database(url)
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from feedback.labelling.models import Membership, Project, split_for_external_id
    from feedback.labelling.services.codebooks import codebook_publish

    call_command("migrate", verbosity=0)
    project = Project.objects.create(name="Export bench", slug="bench", overlap=k)
    User = get_user_model()
    users = [User.objects.create_user(f"a{i:02d}") for i in range(50)]
    Membership.objects.bulk_create([Membership(project=project, user=u) for u in users])
    codebook = codebook_publish(project=project, text="bench", author=users[0])
    n_tasks = n_labels // k
    rng = random.Random(0)
    started = time.perf_counter()
    now = "2026-11-01 00:00:00+00"
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        copy_rows(cur, "labelling_prompt", ["id", "project_id", "external_id", "messages", "is_chat", "metadata", "split", "created_at"],
                  ((i + 1, project.pk, f"p{i}", json.dumps([{"role": "user", "content": f"Question number {i}: explain the idea briefly."}]),
                    "f", "{}", split_for_external_id(f"p{i}"), now) for i in range(n_tasks)))
        copy_rows(cur, "labelling_candidate", ["id", "prompt_id", "text", "producer_kind", "producer_name", "sampling", "content_key", "created_at"],
                  ((2 * i + j + 1, i + 1, f"Answer {j} to question {i}: " + "some words " * 12, "imported", f"m{j}", "{}",
                    uuid.uuid4().hex, now) for i in range(n_tasks) for j in range(2)))
        copy_rows(cur, "labelling_task", ["id", "project_id", "prompt_id", "kind", "candidate_key", "candidate_count", "is_gold", "is_active", "labels_done", "created_at"],
                  ((i + 1, project.pk, i + 1, "pair", uuid.uuid4().hex, 2, "f", "t", k, now) for i in range(n_tasks)))
        copy_rows(cur, "labelling_taskcandidate", ["task_id", "candidate_id", "position"],
                  ((i + 1, 2 * i + j + 1, j) for i in range(n_tasks) for j in range(2)))
        pairs = [(t + 1, users[(t * k + r) % len(users)].pk) for t in range(n_tasks) for r in range(k)]
        copy_rows(cur, "labelling_assignment", ["id", "task_id", "annotator_id", "status", "leased_at", "expires_at", "finished_at", "display_order"],
                  ((n + 1, t, u, "done", now, now, now, "[0, 1]") for n, (t, u) in enumerate(pairs)))
        # Annotators who mostly agree: each task has a preferred side that each vote follows
        # with probability 0.8; otherwise the other side, a tie, or both bad.
        truth = [rng.choice("AB") for _ in range(n_tasks)]

        def vote(task_id):
            r = rng.random()
            if r < 0.8:
                return truth[task_id - 1]
            return "BA"[truth[task_id - 1] == "B"] if r < 0.9 else ("tie" if r < 0.95 else "both_bad")

        copy_rows(cur, "labelling_label", ["assignment_id", "task_id", "annotator_id", "codebook_id", "kind", "answer", "rewrite", "comment",
                                           "display_order", "time_spent_ms", "submission_id", "created_at"],
                  ((n + 1, t, u, codebook.pk, "pair", json.dumps({"choice": vote(t), "strength": rng.choice([None, 1, 2, 3])}), "", "",
                    "[0, 1]", 2000, uuid.uuid4(), now) for n, (t, u) in enumerate(pairs)))
        reset_sequences(cur, ("labelling_prompt", "labelling_candidate", "labelling_task", "labelling_assignment", "labelling_label"))
        conn.commit()
        cur.execute("ANALYZE")
    print(f"seeded {len(pairs):,} labels on {n_tasks:,} pair tasks in {time.perf_counter() - started:.1f} s", flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident set. Not ru_maxrss: on Linux that survives exec, so
    a process started by the seeding one (which held a million rows) would report the
    seeder's peak; VmHWM belongs to this process's own memory map."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str) -> None:
    """Runs in a fresh process: the export alone, through the streaming generator."""
    setup_django(url)
    from feedback.exports.builders.preference import preference_rows
    from feedback.exports.filters import ExportFilters
    from feedback.exports.summary import ExportSummary
    from feedback.exports.writers import jsonl_chunks
    from feedback.labelling.models import Project

    project = Project.objects.get(slug="bench")
    summary = ExportSummary()
    started = time.perf_counter()
    size = 0
    for chunk in jsonl_chunks(preference_rows(project, ExportFilters(), summary)):
        size += len(chunk)  # the bytes a response would send
    elapsed = time.perf_counter() - started
    rows = sum(summary.rows.values())
    peak_mb = peak_rss_mb()
    print(json.dumps({"labels": summary.labels, "rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
                      "labels_per_s": round(summary.labels / elapsed), "mb": round(size / 1e6, 1), "peak_rss_mb": round(peak_mb, 1),
                      "excluded": dict(summary.excluded)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.database)
    if not args.skip_seed:
        seed(args.database, args.labels, args.overlap)
    result = subprocess.run([sys.executable, __file__, "--measure", "--database", args.database],
                            capture_output=True, text=True, timeout=1800)
    if result.returncode:
        sys.exit(result.stderr)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"exported {figures['rows']:,} preference rows from {figures['labels']:,} labels in {figures['seconds']} s "
          f"({figures['mb']} MB of JSONL)")
    print(f"rows/s {figures['rows_per_s']:,}   labels/s {figures['labels_per_s']:,}   peak RSS {figures['peak_rss_mb']} MB")
    print(f"excluded: {figures['excluded']}")


if __name__ == "__main__":
    main()
