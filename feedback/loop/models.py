"""Training runs, adapter versions and their promotion, generation rounds.

An adapter knows its run, its snapshot (so every label in it), its parent adapter and
its eval numbers; every candidate it later generates points back to it.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from feedback.labelling.models import Project


class Algorithm(models.TextChoices):
    DPO = "dpo", "DPO"
    REWARD = "reward", "Reward model"
    KTO = "kto", "KTO"


class AdapterRole(models.TextChoices):
    """Policy adapters generate candidates; reward adapters score them."""

    POLICY = "policy", "Policy"
    REWARD = "reward", "Reward model"


def role_for_algorithm(algorithm: str) -> str:
    return AdapterRole.REWARD if algorithm == Algorithm.REWARD else AdapterRole.POLICY


# Below this many held-out pairs the gate does not judge. At 30, beating chance with 95%
# confidence takes 20 pairs ranked right (0.667); the exact bound alone would clear 5 of 5,
# but a handful of pairs, often from a few prompts, says little about the next round.
DEFAULT_MIN_HELDOUT_PAIRS = 30


class TrainingSettings(models.Model):
    """Per-project knobs for scheduled retraining and the promotion gate."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="training_settings")
    retraining_enabled = models.BooleanField(default=True)
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices, default=Algorithm.DPO)
    min_new_preferences = models.PositiveIntegerField(
        default=50, help_text="Scheduled runs skip until this many new labels arrived since the last snapshot."
    )
    hyperparameters = models.JSONField(default=dict, blank=True, help_text="Overrides of training defaults.")
    promotion_margin = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Held-out accuracy gain the new adapter must show over the promoted one and over the base "
        "(chance, for policies) at 95% confidence: its lower confidence bound must be above this.",
    )
    min_heldout_pairs = models.PositiveIntegerField(
        default=DEFAULT_MIN_HELDOUT_PAIRS, validators=[MinValueValidator(1)],
        help_text="The gate promotes nothing evaluated on fewer held-out pairs than this.",
    )
    min_agreement = models.FloatField(
        null=True, blank=True, help_text="Only pairs with at least this annotator agreement are trained on."
    )
    generate_after_promotion = models.BooleanField(
        default=True, help_text="Start a generation round when an adapter is promoted."
    )
    timeout_minutes = models.PositiveIntegerField(default=180)
    continue_from_promoted = models.BooleanField(
        default=False,
        help_text="Train each new adapter on from the promoted one (which is then its DPO reference) "
        "instead of a fresh LoRA on the base model.",
    )

    def __str__(self):
        return f"training settings of {self.project}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class TrainingRun(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="training_runs")
    snapshot = models.ForeignKey(
        "exports.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="training_runs"
    )
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices)
    config = models.JSONField(default=dict, blank=True, help_text="The spec handed to the trainer.")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=20, default="manual", help_text="schedule, manual, simulate, api")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skip_reason = models.TextField(blank=True)
    failure_reason = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=20, blank=True)
    progress = models.JSONField(default=list, blank=True, help_text="Progress points: step, loss, accuracy.")
    log = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    device = models.CharField(max_length=100, blank=True)
    run_dir = models.CharField(max_length=500, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One run at a time per project, held by the database itself.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["queued", "running"]),
                name="trainingrun_one_active_per_project",
            )
        ]

    def __str__(self):
        return f"run {self.pk} ({self.algorithm}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def percent(self) -> int:
        if not self.total_steps:
            return 0
        return min(100, round(100 * self.step / self.total_steps))

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def duration_text(self) -> str:
        if self.duration is None:
            return ""
        minutes, seconds = divmod(round(self.duration.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


class AdapterStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    PROMOTED = "promoted", "Promoted"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


class AdapterVersion(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adapters")
    version = models.PositiveIntegerField()
    role = models.CharField(max_length=10, choices=AdapterRole.choices, default=AdapterRole.POLICY)
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    run = models.OneToOneField(
        TrainingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="adapter"
    )
    snapshot = models.ForeignKey(
        "exports.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="adapters"
    )
    base_model = models.CharField(max_length=500)
    directory = models.CharField(max_length=500)
    weights_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=AdapterStatus.choices, default=AdapterStatus.CANDIDATE)
    eval_metrics = models.JSONField(default=dict, blank=True)
    gate_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="adapter_unique_version"),
            models.UniqueConstraint(
                fields=["project", "role"],
                condition=Q(status="promoted"),
                name="adapter_one_promoted_per_role",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"v{self.version}"


class AdapterEvent(models.Model):
    """Audit trail: who promoted, rejected or rolled back which adapter, and why."""

    class Action(models.TextChoices):
        REGISTERED = "registered", "Registered"
        PROMOTED = "promoted", "Promoted"
        REJECTED = "rejected", "Rejected"
        RETIRED = "retired", "Retired"
        ROLLED_BACK = "rolled_back", "Rolled back"

    adapter = models.ForeignKey(AdapterVersion, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class GenerationRound(models.Model):
    """A batch of new candidates for a set of prompts, and the tasks made from them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generation_rounds")
    adapter = models.ForeignKey(
        AdapterVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="generation_rounds"
    )
    config = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=20, default="manual")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=20, blank=True, help_text="The generator's phase: loading, generating, done.")
    cancel_requested = models.BooleanField(default=False)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"generation round {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def stage_text(self) -> str:
        """What the round is doing, in words, until its generations can be counted."""
        if self.status == RunStatus.QUEUED:
            return "waiting for the training worker"
        if self.total:
            return f"{self.done} / {self.total} generations"
        if self.phase == "loading":
            return "starting: loading the model"
        return "starting: picking prompts and launching the generator"


class LeaderboardFit(models.Model):
    """The leaderboard's stored Bradley–Terry fit: a job computes it after new labels or a
    promotion, pages read it. It keeps the grouped comparisons it was fitted on, so a
    page knows exactly whether the labels have moved on since."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="leaderboard_fit")
    computed_at = models.DateTimeField(null=True, blank=True, help_text="None until the first fit is stored.")
    comparisons = models.JSONField(
        default=list, blank=True, help_text="[first, second, score, count] per group, sorted: what was fitted."
    )
    comparison_count = models.PositiveBigIntegerField(default=0)
    ratings = models.JSONField(default=dict, blank=True,
                               help_text="Producer → rating, ci_low, ci_high (Elo scale, the base model at 1000).")
    bootstrap = models.PositiveIntegerField(default=0, help_text="Bootstrap refits behind the intervals.")
    seed = models.PositiveIntegerField(default=0)
    refit_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a refit was last enqueued and not yet stored: one at a time."
    )

    def __str__(self):
        return f"leaderboard fit of {self.project}"
