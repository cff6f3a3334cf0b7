"""What the project's tables hold, as a comparable fingerprint: for the fuzz tests'
"a refused request wrote nothing"."""
import hashlib

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

# Every table a page or the API writes, and none it writes by design on any request
# (sessions, login-attempt records; the kept figures a page folds before it reads, and
# the leaderboard's queued refit, which any read may bring up to date).
APPS = ("labelling", "quality", "exports", "loop", "authtoken")
WRITTEN_BY_ANY_READ = {"quality.TaskChange", "quality.TaskFigures", "quality.AgreementCell", "quality.AnnotatorCell",
                       "loop.LeaderboardFit"}


def _models():
    return [get_user_model(), *(model for label in APPS for model in apps.get_app_config(label).get_models()
                                if model._meta.label not in WRITTEN_BY_ANY_READ)]


def fingerprint() -> dict[str, tuple[int, str]]:
    """table → (rows, sha256 of every row in primary-key order). Plain SQL: every fuzz
    example takes two, and the ORM's row building was most of their time."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for model in _models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(model._meta.pk.column)}")
            rows = cursor.fetchall()
            state[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
