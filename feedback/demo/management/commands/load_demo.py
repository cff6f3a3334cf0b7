"""python manage.py load_demo — the demo project, its codebook, prompts, conversations
(judged turn by turn) and accounts.

Two simulated annotators (who cannot log in) label every task once, preferring shorter
answers with some noise, so the reviewer pages have data and "Train now" has something
to learn from straight away; each task still waits for one human label.

Safe to run again: the import is idempotent, accounts keep their demo passwords, and the
simulated labels are only added to a project without labels.
"""
import random

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from feedback.demo.rubric import import_rate_tasks, publish_demo_rubric
from feedback.demo.simulation.annotators import SimulatedAnnotator
from feedback.demo.simulation.rules import prefer_shorter
from feedback.demo.simulation.seed import seed_labels, simulated_user
from feedback.labelling.models import Membership, Project, Role, TaskKind
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import import_jsonl
from feedback.loop.models import TrainingSettings

DEMO_DIR = Path(__file__).resolve().parents[2] / "project"
ACCOUNTS = [
    # username, password, project role, staff
    ("admin", "admin-demo", Role.ADMIN, True),
    ("reviewer", "reviewer-demo", Role.REVIEWER, False),
    ("alice", "alice-demo", Role.ANNOTATOR, False),
    ("bob", "bob-demo", Role.ANNOTATOR, False),
    ("carol", "carol-demo", Role.ANNOTATOR, False),
]
SIMULATED = ("sim-annotator-1", "sim-annotator-2")
# Small enough for a laptop CPU: a run takes a few minutes on the 135M demo model.
CPU_HYPERPARAMETERS = {"max_steps": 12, "per_device_train_batch_size": 4, "max_length": 256, "learning_rate": 2e-4}


class Command(BaseCommand):
    help = "Create the demo project (SmolLM2 answers to 48 everyday prompts) and demo accounts."

    @transaction.atomic
    def handle(self, *args, **options):
        project, _ = Project.objects.get_or_create(
            slug="demo",
            defaults={
                "name": "Demo: everyday questions",
                "description": "Answers from SmolLM2-135M-Instruct to everyday questions. Pick, rank and rate them.",
                "overlap": 3,
                "default_task_kind": TaskKind.PAIR,
            },
        )
        User = get_user_model()
        for username, password, role, staff in ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = user.is_superuser = staff
                user.save()
            Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
        admin = User.objects.get(username="admin")
        if not project.codebooks.exists():
            codebook_publish(
                project=project,
                text=(DEMO_DIR / "codebook.md").read_text(encoding="utf-8"),
                author=admin,
                change_note="First version",
            )
        publish_demo_rubric(project, admin)
        with (DEMO_DIR / "prompts.jsonl").open(encoding="utf-8") as lines:
            result = import_jsonl(project=project, lines=lines)
        # Whole conversations, each judged turn by turn (task kind "turns").
        with (DEMO_DIR / "conversations.jsonl").open(encoding="utf-8") as lines:
            conversations = import_jsonl(project=project, lines=lines)
        import_rate_tasks(project)
        TrainingSettings.objects.get_or_create(
            project=project,
            # Each new adapter trains on from the promoted one, as the loop of rounds intends.
            defaults={"min_new_preferences": 30, "hyperparameters": CPU_HYPERPARAMETERS, "continue_from_promoted": True},
        )
        if not project.tasks.filter(labels__isnull=False).exists():
            for seed, username in enumerate(SIMULATED):
                annotator = SimulatedAnnotator(prefer_shorter, noise=0.1, rng=random.Random(seed))
                count = seed_labels(project, simulated_user(project, username), annotator)
                self.stdout.write(f"{username} labelled {count} tasks (prefers shorter answers, 10% noise).")
        self.stdout.write(self.style.SUCCESS(f"Demo project ready: {result.summary}; conversations: {conversations.summary}."))
        self.stdout.write("Log in at http://127.0.0.1:8000/ as:")
        for username, password, role, _ in ACCOUNTS:
            self.stdout.write(f"  {username:<9} password {password:<14} ({role})")
