"""Shared fixtures: named users, a project with a codebook, tasks of each kind."""
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from feedback.labelling.models import Membership, Project, Role, Tier
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
from feedback.labelling.services.imports import import_jsonl
from tests.support.rows import jsonl_lines, sample_rows
from tests.support.services import require_service

@pytest.fixture(autouse=True)
def artifacts_in_tmp(settings, tmp_path):
    """Snapshots, adapters and run folders go to the test's own folder, never var/."""
    settings.ARTIFACTS_DIR = tmp_path / "artifacts"


@pytest.fixture
def postgres(db):
    require_service(connection.vendor == "postgresql", "Postgres (set DATABASE_URL)")


@pytest.fixture
def make_user(db):
    def make(username: str, *, project: Project | None = None, role: str = Role.ANNOTATOR, tier: str = Tier.REGULAR, **extra):
        user = get_user_model().objects.create_user(username=username, password=f"{username}-pw", **extra)
        if project is not None:
            Membership.objects.create(project=project, user=user, role=role, tier=tier)
        return user

    return make


@pytest.fixture
def project(db):
    return Project.objects.create(name="Assistant answers", slug="answers", overlap=3)


@pytest.fixture
def admin_user(make_user, project):
    return make_user("ada", project=project, role=Role.ADMIN)


@pytest.fixture
def codebook(project, admin_user):
    return codebook_publish(project=project, text="# Rules\n\nPrefer correct, short answers.", author=admin_user)


@pytest.fixture
def annotators(make_user, project, codebook):
    """Three annotators who have read the active codebook."""
    users = [make_user(name, project=project) for name in ("alice", "bob", "carol")]
    for user in users:
        codebook_acknowledge(user=user, codebook=codebook)
    return users


@pytest.fixture
def reviewer(make_user, project, codebook):
    user = make_user("rita", project=project, role=Role.REVIEWER)
    codebook_acknowledge(user=user, codebook=codebook)
    return user


@pytest.fixture
def tasks_of(project):
    def load(kind: str, n: int = 3, prefix: str | None = None):
        import_jsonl(project=project, lines=jsonl_lines(sample_rows(n, kind, prefix or kind)))
        return list(project.tasks.filter(kind=kind).order_by("id"))

    return load


@pytest.fixture
def api_as():
    """api_as(user) → an APIClient authenticated with that user's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def redis_broker():
    from tests.support.services import redis_available

    require_service(redis_available(), "Redis on 127.0.0.1:6379")


@pytest.fixture
def live_worker(postgres, redis_broker, tmp_path, settings):
    """A real `celery worker` process on Redis sharing the Postgres test database.
    Use with @pytest.mark.django_db(transaction=True) so the worker sees the rows."""
    from feedback.celery import app
    from tests.support.services import REDIS_URL, celery_worker

    app.conf.broker_url = REDIS_URL
    log_path = tmp_path / "worker.log"
    try:
        with celery_worker(log_path=log_path) as process:
            process.log_path = log_path
            yield process
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL


@pytest.fixture
def celery_eager():
    """Tasks sent with .delay() run at once, in the test's process (Celery's eager mode,
    what CELERY_TASK_ALWAYS_EAGER turns on)."""
    from feedback.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


# Models for the training, export and loop tests (no Django in these fixtures).


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def demo_model_dir(model_cache) -> Path:
    """The real demo model, converted from its GGUF by the registry (once per session)."""
    from training.registry import resolve_base_model

    return resolve_base_model("demo", model_cache)


@pytest.fixture(scope="session")
def tiny_model_dir(demo_model_dir, tmp_path_factory) -> Path:
    """A 2-layer, hidden-32 random llama with the demo model's real tokenizer and chat
    template, saved like any local base model directory."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(demo_model_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
