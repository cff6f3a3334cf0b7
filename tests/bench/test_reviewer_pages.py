"""bench/reviewer_pages.py keeps working: at two tiny sizes it seeds its scratch
databases, serves them with gunicorn while annotators label, gets every reviewer page
(any status but 200 fails it), prints the table with the ratio, and drops what it made."""
import socket
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.support.services import REPO, database_url_for_test_db

PAGES = ["dashboard", "dashboard codebook v2", "dashboard 7 days", "dashboard 30 days", "dashboard kind=pair", "disputed queue",
         "gold", "labels list", "leaderboard", "training runs", "adapters"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
def test_two_sizes_time_every_page_under_background_labelling(postgres):
    prefix = f"{database_url_for_test_db()}_pages"
    done = subprocess.run(
        [sys.executable, "bench/reviewer_pages.py", "--labels", "1500", "3000", "--repeat", "1", "--rate", "20",
         "--open-tasks", "300", "--warmup", "1", "--workers", "1", "--threads", "2", "--port", str(free_port()), "--db", prefix],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("page "))
    assert "1,500 labels" in header and "3,000 labels" in header and "ratio 3,000/1,500" in header
    table = lines[lines.index(header) + 1:]
    for page in PAGES:
        row = next(line for line in table if line.startswith(f"{page:<24}"))
        assert len(row[len(page):].split()) == 5, row  # two medians with their max, the ratio
    assert sum(line.startswith("catch-up after seeding") for line in lines) == 2
    background = [line for line in lines if line.startswith("background:")]
    assert len(background) == 2 and all("errors 0" in line for line in background), background
    assert all(not line.startswith("background: 0 labels") for line in background), background
    assert sum(line.startswith("machine ") for line in lines) == 2
    with psycopg.connect(database_url_for_test_db()) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                            [connection.settings_dict["NAME"] + "_pages%"]).fetchall()
    assert left == []
