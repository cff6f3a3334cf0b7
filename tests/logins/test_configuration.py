"""The logins block of feedback/settings.py: bad values fail at start-up with a message,
and `migrate` on a fresh database leaves axes' tables and the cache table in place (what
`make run` does on SQLite)."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "FEEDBACK_", "CACHE_URL"))}
    base.update(DJANGO_DEBUG="1", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("FEEDBACK_LOGIN_FAILURE_LIMIT", "0", "FEEDBACK_LOGIN_FAILURE_LIMIT is a whole number >= 1, not '0'"),
        ("FEEDBACK_LOGIN_COOLOFF_MINUTES", "ten", "FEEDBACK_LOGIN_COOLOFF_MINUTES is a whole number >= 1"),
        ("FEEDBACK_API_AUTH_FAILURE_RATE", "20 per minute", "FEEDBACK_API_AUTH_FAILURE_RATE is a rate like 20/min"),
        ("CACHE_URL", "memcached://x", "CACHE_URL is redis://..., rediss://..., db:// or locmem://"),
    ],
)
def test_a_bad_value_fails_loudly(name, value, message, tmp_path):
    result = manage("check", FEEDBACK_VAR_DIR=str(tmp_path), **{name: value})
    assert result.returncode != 0 and message in result.stderr, result.stderr[-500:]


def test_migrate_creates_the_lockout_and_cache_tables(tmp_path):
    result = manage("migrate", "--noinput", FEEDBACK_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"axes_accessattempt", "axes_accesslog", "feedback_cache"} <= tables
