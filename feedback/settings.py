"""Settings, read from the environment with embedded defaults.

Embedded default (what `make run` uses): SQLite under var/, a filesystem Celery broker
under var/celery, artifacts under var/artifacts. Production sets DATABASE_URL
(Postgres), CELERY_BROKER_URL (Redis or RabbitMQ), DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS; with DEBUG off a missing secret fails at start-up, not later.

A checkout's `.env` (git-ignored; `make setup` writes DJANGO_DEBUG=1 and a secret key of
its own there) fills in what the environment does not set, so `.venv/bin/python
manage.py ...` works in a development checkout as the README writes it. The environment
always wins; without a `.env` nothing changes.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> None:
    """KEY=VALUE lines (blank lines and # comments skipped) into os.environ, for the
    names the environment leaves unset."""
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {line!r}.")
        os.environ.setdefault(name.strip(), value.strip())


read_env_file(Path(os.environ.get("FEEDBACK_ENV_FILE", BASE_DIR / ".env")))
VAR_DIR = Path(os.environ.get("FEEDBACK_VAR_DIR", BASE_DIR / "var"))


TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def env_bool(name: str, default: bool) -> bool:
    # A typo fails loudly: DJANGO_DEBUG=ture read as False would be a surprise at best.
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE_WORDS + FALSE_WORDS:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(TRUE_WORDS)} (to turn it on) or {', '.join(FALSE_WORDS)} "
            f"(to turn it off), not {os.environ[name]!r}."
        )
    return value in TRUE_WORDS


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-only-for-DEBUG"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (and DJANGO_ALLOWED_HOSTS) for production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set (comma-separated host names). "
            "Set DJANGO_DEBUG=1 for local development."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "feedback.labelling",
    "feedback.quality",
    "feedback.exports",
    "feedback.api",
    "feedback.loop",
    "feedback.demo",  # on top of the others: its commands use every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which is the first to read a page's body.
    "feedback.limits.BodyLimitMiddleware",
    "feedback.request_text.NulCharacterMiddleware",  # after the size check, before any view reads text
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "feedback.urls"
WSGI_APPLICATION = "feedback.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, making the file's folder (var/) on first connection.
    DATABASES["default"]["ENGINE"] = "feedback.sqlite"
    # Several processes (web, worker, beat) share the file: wait for locks rather than
    # failing, and let readers proceed while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests on a file, not Django's shared-cache in-memory default: there a thread that
    # writes while another reads fails at once ("database table is locked"), because
    # shared-cache table locks ignore the busy timeout above. The runs that the loop
    # tests execute in a thread, as the worker does, met exactly that.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run a few times on a connection
    # prepared there: Postgres then skips parsing and planning it (a third of its CPU on
    # the label round trip, whose statements are few and repeated). Set
    # DATABASE_PREPARE_THRESHOLD=off behind a pooler that cannot keep prepared statements.
    _threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "2")
    if _threshold != "off" and not _threshold.isdigit():
        raise ImproperlyConfigured(f"DATABASE_PREPARE_THRESHOLD is a count or 'off', not {_threshold!r}.")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=None if _threshold == "off" else int(_threshold)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "labelling:project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Snapshots, adapters, run and round folders (feedback/artifacts.py), in ARTIFACTS_DIR.
    # An object store would be another backend here; the trainer still needs a local
    # folder, which feedback/artifacts.py says it cannot get from one.
    "artifacts": {"BACKEND": "feedback.artifacts.LocalArtifactStorage", "OPTIONS": {"allow_overwrite": True}},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development whitenoise serves straight from the finders; no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies (feedback/limits.py checks them from Content-Length before anything
# reads them, and answers 413 with the limit). Django reads a body that is not a file
# upload into memory, up to DATA_UPLOAD_MAX_MEMORY_SIZE: that bounds every page form and
# every JSON body. API bodies are bounded tighter by API_MAX_BODY_BYTES, except a JSON
# import (up to DATA_UPLOAD_MAX_MEMORY_SIZE). Imports larger than that go as a file
# upload (multipart/form-data), up to IMPORT_MAX_BYTES, which Django streams to a
# temporary file once past FILE_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 200 * 1024 * 1024))
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 1024 * 1024))
# The longest prompt (all its messages together) and candidate text an import takes.
IMPORT_MAX_PROMPT_CHARS = int(os.environ.get("IMPORT_MAX_PROMPT_CHARS", 50_000))
IMPORT_MAX_CANDIDATE_CHARS = int(os.environ.get("IMPORT_MAX_CANDIDATE_CHARS", 50_000))

# Artifacts (snapshots, adapters, run logs): one folder here (STORAGES["artifacts"]);
# production points it at a shared mount.
ARTIFACTS_DIR = Path(os.environ.get("FEEDBACK_ARTIFACTS_DIR", VAR_DIR / "artifacts"))
MODEL_CACHE_DIR = Path(os.environ.get("FEEDBACK_MODEL_CACHE", VAR_DIR / "models"))
# Processes per training run: more than one runs the trainer under torchrun, one
# process per GPU (feedback/loop/services/subprocesses.py).
TRAINING_PROCESSES = int(os.environ.get("FEEDBACK_TRAINING_PROCESSES", "1"))

# Security: secure by default off DEBUG, so `check --deploy` passes clean.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 30))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A failed CSRF check answers JSON under /api/ (Django's page elsewhere).
CSRF_FAILURE_VIEW = "feedback.api.errors.csrf_failure"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Celery: a filesystem broker needs no server for the embedded default.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are made when the Celery app first reads this (feedback/celery.py),
    # so importing settings writes nothing.
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
# State lives in our own rows (TrainingRun, GenerationRound), so no result backend.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "feedback.loop.tasks.run_training": {"queue": "training"},
    "feedback.loop.tasks.run_generation_round": {"queue": "training"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "feedback.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "feedback.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "feedback.api.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "feedback.api.parsers.StorableJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ?format= names the export's file format, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_THROTTLE_CLASSES": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Feedback API",
    "DESCRIPTION": "Label model outputs, export preference datasets, follow training runs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"TaskKindEnum": "feedback.labelling.models.TaskKind"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Logins and throttles (README "Logins") -----------------------------------------
# django-axes locks a (username, client address) pair after repeated wrong passwords on
# the login page and the Django admin; the API throttles minting tokens and failed token
# authentications. Counts live in the database (axes) and in the cache (DRF).


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < minimum:
        raise ImproperlyConfigured(f"{name} is a whole number >= {minimum}, not {value!r}.")
    return int(value)


def env_rate(name: str, default: str) -> str:
    """A DRF rate, "<count>/<second|minute|hour|day>" (e.g. 20/min)."""
    value = os.environ.get(name, "").strip() or default
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}:
        raise ImproperlyConfigured(f"{name} is a rate like 20/min (per s, min, hour or day), not {value!r}.")
    return value


INSTALLED_APPS += ["axes", "feedback.logins"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "feedback.logins.backends.LockoutBackend",  # refuses locked-out pairs first
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every web process
AXES_FAILURE_LIMIT = env_int("FEEDBACK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FEEDBACK_LOGIN_COOLOFF_MINUTES", 15))
# By username AND address: an attacker elsewhere cannot lock a colleague out, and a
# team behind one office address is not locked out by one person's typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused without being counted: the lock ends when the page
# says it does, however often someone tries.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "feedback.logins.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "feedback.logins.addresses.client_ip"
AXES_USERNAME_CALLABLE = "feedback.logins.usernames.attempt_username"
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: none, trust
# REMOTE_ADDR only; DRF's own default, None, would trust whatever a client writes there).
# One number for axes and DRF (feedback/logins/addresses.py).
REST_FRAMEWORK["NUM_PROXIES"] = env_int("FEEDBACK_PROXY_COUNT", 0, minimum=0)
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "token": env_rate("FEEDBACK_API_TOKEN_RATE", "10/hour"),
    "auth_failure": env_rate("FEEDBACK_API_AUTH_FAILURE_RATE", "20/min"),
}

# The cache the throttles count in. Embedded default: a database table (created by
# `migrate`), shared by every web process. CACHE_URL=redis://host:6379/1 for Redis,
# locmem:// for a per-process memory cache (counts then multiply by the processes).
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "feedback"}}
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL in {"", "db://"}:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "feedback_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL is redis://..., rediss://..., db:// or locmem://, not {CACHE_URL!r}.")
# Axes' failures and lockouts are warnings; its info lines (a few per attempt) are noise.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
# --- end of logins and throttles -----------------------------------------------------
