"""Projects, codebooks, prompts, candidates, tasks, assignments and labels.

Lineage is kept both ways: a label knows its assignment (so task, annotator), the
codebook version it was given under and the order the candidates were shown in; each
candidate knows what produced it (base model, adapter version, a human, an imported
model) and with which sampling settings.
"""
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from feedback.labelling.rubric import InvalidRubric, parse_rubric

HELDOUT_PERCENT = 20
DEMO_BASE_MODEL = "demo"


class TaskKind(models.TextChoices):
    THUMBS = "thumbs", "Thumbs up/down"
    PAIR = "pair", "Pick the better of two"
    RANK = "rank", "Rank all"
    RATE = "rate", "Rate on the rubric"
    TURNS = "turns", "Judge each turn"


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"


class Tier(models.TextChoices):
    TRAINEE = "trainee", "Trainee"
    REGULAR = "regular", "Regular"
    EXPERT = "expert", "Expert"


class Split(models.TextChoices):
    TRAIN = "train", "Train"
    HELDOUT = "heldout", "Held-out"


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    overlap = models.PositiveSmallIntegerField(
        default=3, help_text="Labels wanted per task (k)."
    )
    default_task_kind = models.CharField(
        max_length=10, choices=TaskKind.choices, default=TaskKind.PAIR
    )
    base_model = models.CharField(
        max_length=500,
        default=DEMO_BASE_MODEL,
        help_text='A local model directory, or "demo" for the built-in SmolLM2-135M-Instruct.',
    )
    lease_minutes = models.PositiveIntegerField(
        default=30, help_text="How long an assignment is held before it returns to the pool."
    )
    gold_rate = models.FloatField(
        default=0.1, help_text="Share of served tasks that are gold items, when gold exists."
    )
    labels_editable_minutes = models.PositiveIntegerField(
        default=24 * 60,
        help_text="How long after submitting an annotator may still edit or undo a label (0: never).",
    )
    # At most, not below: an even split (a share of one half) is always a dispute, so
    # the least a project can ask for is 0.5; 1.0 takes every task whose labels disagree.
    dispute_threshold = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text="A task is disputed, and waits in the adjudication queue, when the majority share of its "
                  "most split point is at most this (0.5 to 1.0; 1.0: whenever its labels disagree).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_positive"),
            models.CheckConstraint(
                condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="project_gold_rate_0_1"
            ),
            models.CheckConstraint(
                condition=Q(dispute_threshold__gte=0.5) & Q(dispute_threshold__lte=1),
                name="project_dispute_threshold_half_to_1",
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    # Served by membership_unique_user (project, user).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ANNOTATOR)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.REGULAR)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user")
        ]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.role})"

    @property
    def can_review(self) -> bool:
        return self.role in (Role.REVIEWER, Role.ADMIN)


class CodebookVersion(models.Model):
    """One published version of a project's labelling guidelines. Never edited: a change
    is a new version, so every label can say exactly which text it was given under."""

    # Served by codebook_unique_version (project, version).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codebooks", db_index=False)
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="Markdown.")
    rubric = models.JSONField(
        default=list, blank=True,
        help_text="The aspects responses are rated on (feedback.labelling.rubric); [] for none.",
    )
    change_note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="codebook_unique_version"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_active=True), name="codebook_one_active"
            ),
        ]

    def __str__(self):
        return f"{self.project.slug} codebook v{self.version}"

    def clean(self):
        try:
            parse_rubric(self.rubric)
        except InvalidRubric as error:
            raise ValidationError({"rubric": str(error)}) from error

    def save(self, *args, **kwargs):
        if self.pk:
            stored = CodebookVersion.objects.filter(pk=self.pk).values("text", "version", "rubric").first()
            if stored and (stored["text"] != self.text or stored["version"] != self.version
                           or stored["rubric"] != self.rubric):
                raise ValidationError("A published codebook version is immutable; publish a new one.")
        super().save(*args, **kwargs)


class CodebookAcknowledgement(models.Model):
    """An annotator has opened (and, where there is a quiz, passed) a codebook version."""

    # Served by ack_unique_user_version (user, codebook).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.CASCADE, related_name="acks")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "codebook"], name="ack_unique_user_version")
        ]


def split_for_external_id(external_id: str) -> str:
    """Fixed train/held-out split from a hash of the external id, so a prompt lands on
    the same side in every import and every export and never crosses into training."""
    bucket = int(hashlib.sha256(external_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return Split.HELDOUT if bucket < HELDOUT_PERCENT else Split.TRAIN


class Prompt(models.Model):
    # Served by prompt_unique_external_id (project, external_id).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="prompts", db_index=False)
    external_id = models.CharField(max_length=200)
    messages = models.JSONField(help_text="Chat turns: [{role, content}, ...]. Plain text is one user turn.")
    is_chat = models.BooleanField(
        default=False, help_text="Imported as messages (True) or as plain text (False)."
    )
    metadata = models.JSONField(default=dict, blank=True)
    split = models.CharField(max_length=8, choices=Split.choices, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "external_id"], name="prompt_unique_external_id")
        ]

    def __str__(self):
        return f"{self.project.slug}:{self.external_id}"

    def save(self, *args, **kwargs):
        computed = split_for_external_id(self.external_id)
        if self.pk:
            stored = Prompt.objects.filter(pk=self.pk).values("split", "external_id").first()
            if stored and (stored["split"] != computed or stored["external_id"] != self.external_id):
                raise ValidationError("A prompt's external id and split never change.")
        self.split = computed
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        """The prompt as plain text: the turns' contents, the last user turn last."""
        return "\n\n".join(m["content"] for m in self.messages)


class ProducerKind(models.TextChoices):
    BASE = "base", "Base model"
    ADAPTER = "adapter", "Adapter version"
    HUMAN = "human", "Human"
    IMPORTED = "imported", "Imported model output"


class Candidate(models.Model):
    """A response to a prompt, with what produced it."""

    # Served by candidate_unique_content (prompt, content_key).
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="candidates", db_index=False)
    text = models.TextField()
    producer_kind = models.CharField(max_length=10, choices=ProducerKind.choices)
    producer_name = models.CharField(
        max_length=300, help_text="Model name or path, adapter label, or the human's role."
    )
    adapter = models.ForeignKey(
        "loop.AdapterVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    generation_round = models.ForeignKey(
        "loop.GenerationRound",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidates",
    )
    sampling = models.JSONField(default=dict, blank=True, help_text="temperature, top_p, seed, ...")
    content_key = models.CharField(
        max_length=64, editable=False, help_text="sha256 of producer + text: dedups re-imports."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "content_key"], name="candidate_unique_content"),
            models.CheckConstraint(
                condition=Q(producer_kind="adapter", adapter__isnull=False)
                | ~Q(producer_kind="adapter"),
                name="candidate_adapter_has_version",
            ),
        ]

    def __str__(self):
        return f"candidate {self.pk} ({self.producer_name})"

    @staticmethod
    def key_for(producer_kind: str, producer_name: str, text: str) -> str:
        payload = "\x1f".join([producer_kind, producer_name, text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def save(self, *args, **kwargs):
        self.content_key = self.key_for(self.producer_kind, self.producer_name, self.text)
        super().save(*args, **kwargs)


class Task(models.Model):
    # No index of its own: task_unique_candidates (project, candidate_key) serves it. A
    # task is updated on every label, and an index fewer is less work on each write.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=TaskKind.choices)
    candidates = models.ManyToManyField(Candidate, through="TaskCandidate", related_name="tasks")
    candidate_key = models.CharField(
        max_length=64, editable=False, help_text="sha256 of the kind and candidate ids, in order."
    )
    candidate_count = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="How many candidates the task shows (kept with the task for speed)."
    )
    is_gold = models.BooleanField(default=False)
    gold_answer = models.JSONField(null=True, blank=True, help_text="The expected answer, for gold items.")
    calibration_for = models.ForeignKey(
        CodebookVersion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calibration_tasks",
        help_text="A calibration item of this codebook version: every annotator labels it.",
    )
    is_active = models.BooleanField(default=True)
    labels_done = models.PositiveIntegerField(
        default=0, help_text="Finished labels; kept in step by the services under a row lock."
    )
    generation_round = models.ForeignKey(
        "loop.GenerationRound", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "candidate_key"], name="task_unique_candidates"),
            models.CheckConstraint(
                condition=Q(is_gold=False) | Q(gold_answer__isnull=False), name="task_gold_has_answer"
            ),
        ]
        indexes = [
            # The assignment pool, walked in this order until the first task that fits.
            models.Index(
                fields=["project", "-labels_done", "id"],
                condition=Q(is_active=True, is_gold=False, calibration_for__isnull=True),
                name="task_pool_idx",
            ),
            # The gold page's tasks, without a scan of every task; partial, so a label on
            # any other task writes nothing to it.
            models.Index(fields=["project", "id"], condition=Q(is_gold=True), name="task_gold_idx"),
        ]

    def __str__(self):
        return f"task {self.pk} ({self.kind})"

    def ordered_candidates(self) -> list[Candidate]:
        return [tc.candidate for tc in self.task_candidates.select_related("candidate").order_by("position")]


class TaskCandidate(models.Model):
    """A task's candidates in their canonical order (position 0, 1, ...). Answers are
    stored against canonical positions; display order is recorded per label."""

    # Served by the unique constraints below, which start with it.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_candidates", db_index=False)
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="task_links")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["task", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="taskcandidate_unique_position"),
            models.UniqueConstraint(fields=["task", "candidate"], name="taskcandidate_unique_candidate"),
        ]


class AssignmentStatus(models.TextChoices):
    LEASED = "leased", "Leased"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    RELEASED = "released", "Released (lease expired, slot taken)"


class Assignment(models.Model):
    # Neither key has an index of its own: the composite indexes below start with each
    # (leases are written twice per label, and every index is written each time).
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.LEASED)
    leased_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    display_order = models.JSONField(
        default=list, help_text="Canonical positions in the order shown to this annotator."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            # One annotator never gets the same task twice, whatever the races.
            models.UniqueConstraint(fields=["task", "annotator"], name="assignment_unique_annotator")
        ]
        indexes = [
            models.Index(fields=["annotator", "status"], name="assignment_annotator_idx"),
            models.Index(fields=["task", "status", "expires_at"], name="assignment_task_idx"),
        ]

    def __str__(self):
        return f"assignment {self.pk}: task {self.task_id} → {self.annotator_id}"

    @property
    def is_live(self) -> bool:
        return self.status == AssignmentStatus.LEASED and self.expires_at > timezone.now()


class PairChoice(models.TextChoices):
    A = "A", "A is better"
    B = "B", "B is better"
    TIE = "tie", "Tie"
    BOTH_BAD = "both_bad", "Both bad"


class Label(models.Model):
    """One annotator's answer to one task.

    `answer` is stored against the task's canonical candidate positions, whatever the
    display order was:
      thumbs: {"thumbs": {"0": "up", "1": "down", ...}}   one per candidate
      pair:   {"choice": "A" | "B" | "tie" | "both_bad", "strength": 1..3 | null}
              (A = canonical position 0, B = position 1)
      rank:   {"order": [2, 0, 1]}   canonical positions, best first
      rate:   {"ratings": {"0": {"helpfulness": 4, ...}, ...}}   every candidate on every
              aspect of the codebook version's rubric for rate; a pair or rank answer
              carries "ratings" too where that rubric rates its kind (labelling.rubric)
    """

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="label")
    # Served by label_task_idx and label_annotator_idx, which start with them.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="labels", db_index=False)
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labels", db_index=False
    )
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT, related_name="labels")
    kind = models.CharField(max_length=10, choices=TaskKind.choices)
    answer = models.JSONField()
    rewrite = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    display_order = models.JSONField(help_text="Canonical positions in the order they were shown.")
    time_spent_ms = models.PositiveIntegerField()
    submission_id = models.UUIDField(unique=True, help_text="Client-generated: a retried submit is stored once.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["task", "id"], name="label_task_idx"),
            # The label lists' order, newest first (created_at, then id: labels.label_list),
            # walked from a page's edge: one annotator's, and everyone's.
            models.Index(fields=["annotator", "created_at", "id"], name="label_annotator_idx"),
            models.Index(fields=["created_at", "id"], name="label_recent_idx"),
            # The API's ?kind= in its id order, and the labels of a kind since a snapshot's
            # last (loop.selectors.new_preference_count): a kind nobody labels is no walk
            # through every label.
            models.Index(fields=["kind", "id"], name="label_kind_idx"),
        ]

    def __str__(self):
        return f"label {self.pk} on task {self.task_id} by {self.annotator_id}"


class RevisionAction(models.TextChoices):
    EDIT = "edit", "Edited"
    UNDO = "undo", "Undone"


class LabelRevision(models.Model):
    """A label as it was before its annotator edited or undid it: nothing an annotator
    changes is lost. An undone label is deleted (its slot goes back to the task), so a
    revision keeps everything it needs without the label: its task, annotator and
    assignment, with the answer as it stood and the order it was shown in. An
    annotator's revisions of a task are the history of their answer to it, whichever
    label (an undone one, the one given again) they belonged to."""

    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions")
    # Served by revision_history_idx, which starts with it.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="label_revisions", db_index=False)
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="label_revisions")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(max_length=10, choices=RevisionAction.choices)
    # The label as it stood before the change.
    label_created_at = models.DateTimeField(help_text="When the label revised was submitted.")
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT, related_name="label_revisions")
    answer = models.JSONField(help_text="The answer before the change, in canonical positions.")
    rewrite = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    display_order = models.JSONField(help_text="Canonical positions in the order they were shown.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="When the change was made.")

    class Meta:
        ordering = ["task", "annotator", "created_at", "id"]
        indexes = [models.Index(fields=["task", "annotator", "created_at", "id"], name="revision_history_idx")]

    def __str__(self):
        return f"{self.get_action_display()} label on task {self.task_id} by {self.annotator_id}"
