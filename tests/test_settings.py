"""Production settings fail loudly without secrets and pass `check --deploy` with them."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120)


def test_missing_secret_key_fails_loudly_when_debug_is_off():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_fails_loudly_when_debug_is_off():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_check_deploy_passes_clean(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "k3y" * 20,
        DJANGO_ALLOWED_HOSTS="feedback.example.org",
        FEEDBACK_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_postgres_prepares_repeated_statements(postgres):
    """Server-side binding with a prepare threshold: a statement run a few times on a
    connection is prepared there, so Postgres stops re-planning the label round trip."""
    from django.db import connection

    sql = 'SELECT COUNT(*) FROM "labelling_project" WHERE "slug" = %s'
    with connection.cursor() as cursor:
        for slug in ("a", "b", "c"):
            cursor.execute(sql, [slug])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('"labelling_project" WHERE "slug" = $1' in statement for statement in prepared), prepared


def test_a_bad_prepare_threshold_fails_loudly():
    result = manage("check", DJANGO_DEBUG="1", DATABASE_URL="postgres://u@127.0.0.1:5432/x", DATABASE_PREPARE_THRESHOLD="often")
    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD is a count or 'off'" in result.stderr
