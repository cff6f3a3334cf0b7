"""Real services for the tests that concern them: a Celery worker process on a real
broker (Redis), sharing the Postgres test database with the test."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_service(available: bool, what: str) -> None:
    """Skip when a real service is missing on a developer machine; in CI, fail."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} not available")


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def database_url_for_test_db() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for_test_db(),
        CELERY_BROKER_URL=REDIS_URL,
        DJANGO_DEBUG="1",
        DATABASE_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _purge_broker():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@contextmanager
def celery_worker(*, queues: str = "celery,training", log_path: Path | None = None, **env):
    """Start `celery worker` as its own process and wait until it answers a ping."""
    from celery import Celery

    _purge_broker()
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    name = f"test-{os.getpid()}-{time.monotonic_ns()}@localhost"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "feedback", "worker", "-Q", queues, "-c", "1", "-P", "solo",
         "-n", name, "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=REPO,
        env=worker_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    probe = Celery(broker=REDIS_URL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}")
            if probe.control.ping(destination=[name], timeout=1):
                break
        else:
            raise RuntimeError("celery worker did not answer within 60 s")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        probe.close()
        if log_path:
            log.close()
