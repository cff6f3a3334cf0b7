"""Production settings fail loudly without secrets and pass `check --deploy` with them."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    # Nor this checkout's development .env (make setup): these run as production would.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    base.update({"FEEDBACK_ENV_FILE": os.devnull, **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120)


def embedded_default(code: str, var_dir: Path) -> subprocess.CompletedProcess:
    """Python code run with the embedded default (SQLite, filesystem broker) under var_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="feedback.settings", FEEDBACK_VAR_DIR=str(var_dir))
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_a_typo_in_a_yes_no_setting_fails_loudly_naming_it():
    result = manage("check", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of 1, true, yes, on (to turn it on) or 0, false, no, off" in result.stderr
    assert "not 'ture'" in result.stderr


def test_yes_no_settings_read_each_accepted_word():
    for word, debug in (("1", True), ("Yes", True), (" on ", True), ("0", False), ("FALSE", False), ("off", False)):
        env = {**os.environ, "DJANGO_DEBUG": word, "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"}
        result = subprocess.run([sys.executable, "-c", "import feedback.settings as s; print(s.DEBUG)"],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert result.stdout.strip() == str(debug), (word, result.stderr)


def test_starting_django_creates_no_folders(tmp_path):
    result = embedded_default("import django; django.setup(); from django.conf import settings; settings.DATABASES",
                              tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var").exists()


def test_the_embedded_default_makes_its_folders_when_it_uses_them(tmp_path):
    """The broker's folders when the Celery app reads its configuration (before any task
    is sent or received); the SQLite file's folder on the first connection."""
    var = tmp_path / "var"
    result = embedded_default(
        "import django; django.setup()\n"
        "from feedback.celery import app; app.conf.broker_url\n"
        "import os; print(sorted(os.listdir(os.environ['FEEDBACK_VAR_DIR'])))\n"
        "from django.db import connection; connection.ensure_connection()\n",
        var,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['celery']"
    assert (var / "celery" / "broker").is_dir() and (var / "celery" / "control").is_dir()
    assert (var / "db.sqlite3").is_file()


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


def fresh_checkout(tmp_path: Path) -> Path:
    """The code of this checkout in a folder of its own, as a clone has it: no .env."""
    import shutil

    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in ("manage.py", "Makefile", "requirements.txt"):
        shutil.copy(REPO / name, copy / name)
    for folder in ("feedback", "training", "templates", "static"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_readme_manage_lines_work_in_a_checkout_after_make_setup_and_production_is_unchanged(tmp_path):
    """`make setup` writes .env; `.venv/bin/python manage.py check` (this interpreter) then
    works with nothing exported. Without a .env, or with DEBUG off in the environment, a
    missing secret still stops start-up."""
    checkout = fresh_checkout(tmp_path)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "FEEDBACK_", "MAKE"))}

    def check(**env):
        return subprocess.run([sys.executable, "manage.py", "check"], cwd=checkout, env={**clean, **env},
                              capture_output=True, text=True, timeout=120)

    refused = check()
    assert refused.returncode != 0 and "DJANGO_SECRET_KEY is not set" in refused.stderr

    made = subprocess.run(["make", "-s", ".env", f"PYTHON={sys.executable}"], cwd=checkout, env=clean,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    written = dict(line.split("=", 1) for line in (checkout / ".env").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert written["DJANGO_DEBUG"] == "1" and len(written["DJANGO_SECRET_KEY"]) >= 50
    again = subprocess.run(["make", "-s", ".env"], cwd=checkout, env=clean, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and (checkout / ".env").read_text().count(written["DJANGO_SECRET_KEY"]) == 1

    works = check()
    assert works.returncode == 0, works.stderr
    assert "System check identified no issues" in works.stdout
    key = subprocess.run([sys.executable, "-c", "import feedback.settings as s; print(s.DEBUG, s.SECRET_KEY)"],
                         cwd=checkout, env=clean, capture_output=True, text=True, timeout=60)
    assert key.stdout.split() == ["True", written["DJANGO_SECRET_KEY"]], key.stderr

    production = check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")  # the environment wins over .env
    assert production.returncode != 0 and "DJANGO_SECRET_KEY is not set" in production.stderr


def test_a_malformed_env_file_says_where(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nDJANGO_SECRET_KEY\n")
    result = manage("check", FEEDBACK_ENV_FILE=str(env_file))
    assert result.returncode != 0 and f"{env_file}, line 2: expected NAME=value" in result.stderr
