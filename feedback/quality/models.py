"""Acting on label quality: adjudicated answers, the project's alarm bounds, and the
quizzes that gate labelling under a codebook version."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from feedback.labelling.models import CodebookVersion, Project, Task


class Adjudication(models.Model):
    """A reviewer's final answer for a disputed task; exports use it over the majority."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="adjudication")
    answer = models.JSONField(help_text="Same shape as a label's answer, in canonical positions.")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"adjudication of task {self.task_id}"


class QualitySettings(models.Model):
    """Per-project bounds outside which an annotator is flagged on the dashboard."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="quality_settings")
    min_labels_for_flags = models.PositiveIntegerField(
        default=20, help_text="Annotators with fewer labels are shown but never flagged."
    )
    max_thumbs_up_gap = models.FloatField(
        default=0.2, help_text="Flag when an annotator's thumbs-up share differs from the project's by more."
    )
    position_bias_low = models.FloatField(default=0.35, help_text="Flag when the first-shown response wins less often.")
    position_bias_high = models.FloatField(default=0.65, help_text="Flag when the first-shown response wins more often.")
    min_agreement = models.FloatField(default=0.6, help_text="Flag when agreement with the majority is lower.")
    min_gold_accuracy = models.FloatField(default=0.7, help_text="Flag when gold accuracy is lower.")
    promote_gold_accuracy = models.FloatField(default=0.9, help_text="Suggest a higher tier from this gold accuracy...")
    promote_agreement = models.FloatField(default=0.8, help_text="...and this agreement with the majority.")
    quiz_pass_mark = models.FloatField(default=0.8, help_text="Share of quiz questions to get right.")

    class Meta:
        verbose_name_plural = "quality settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(position_bias_low__lte=models.F("position_bias_high")), name="quality_bias_bounds_ordered"
            )
        ]

    def __str__(self):
        return f"quality settings of {self.project}"


class QuizQuestion(models.Model):
    """A codebook version's onboarding quiz: annotators pass it before labelling under it."""

    codebook = models.ForeignKey(CodebookVersion, on_delete=models.CASCADE, related_name="quiz_questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    choices = models.JSONField(help_text="A list of answer texts.")
    correct = models.PositiveSmallIntegerField(help_text="Index of the right answer in choices.")
    explanation = models.TextField(blank=True, help_text="Shown after a wrong answer.")

    class Meta:
        ordering = ["codebook", "position", "id"]

    def __str__(self):
        return f"quiz question {self.position} of {self.codebook}"


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.CASCADE, related_name="quiz_attempts")
    answers = models.JSONField(help_text="question id → chosen index")
    score = models.FloatField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


# Kept figures (feedback.quality.kept): the dashboard, the disputed queue and the
# leaderboard read sums kept up to date as labels arrive, not every label on every view.

MIXED_VERSIONS = 0  # a cell's version when its tasks' labels span codebook versions (versions start at 1)


class TaskChange(models.Model):
    """A task whose figures are to be folded in again: its labels changed, or what its
    figures read (its gold answer). Database triggers on the label table write one per
    inserted, updated or deleted label (migration 0002), so every way a label is stored
    (the submit, imports, COPY, a cascade) is counted; the fold deletes what it folded."""

    id = models.BigAutoField(primary_key=True)
    task_id = models.BigIntegerField(db_index=True, help_text="Not a foreign key: the change of a deleted task is folded too.")


class CellKey(models.Model):
    """Where a task's figures are summed: its kind and prompt split, its labels' codebook
    version (MIXED_VERSIONS when they span several) and the first and last UTC day of its
    labels. A filter that takes or leaves every label of a cell reads the cell's sums; the
    tasks of a cell it cuts through are folded again from their labels.

    A task labelled under several versions is also summed once per version, over its
    labels of that version, in cells marked `version_slice`: a filter on one version, and
    the by-version figures, read those instead of recomputing it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    version = models.PositiveIntegerField()
    split = models.CharField(max_length=8)
    first_day = models.DateField()
    last_day = models.DateField()
    version_slice = models.BooleanField(default=False)

    class Meta:
        abstract = True


class TaskFigures(CellKey):
    """One task's contribution to its cell's sums, kept so that a change can take it out
    again; and whether the task is disputed, for the adjudication queue."""

    task_id = models.BigIntegerField(db_index=True, help_text="Not a foreign key: see TaskChange.")
    labels = models.PositiveIntegerField()
    majority_share = models.FloatField(null=True, help_text="Set when the task is disputed (feedback.quality.disputes).")
    figures = models.JSONField()

    class Meta:
        indexes = [
            models.Index(fields=["project", "majority_share", "-labels", "task_id"], name="taskfigures_disputed_idx",
                         condition=Q(majority_share__isnull=False)),
            models.Index(fields=["project", "first_day", "last_day"], name="taskfigures_cell_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["task_id", "version_slice", "version"],
                                               name="taskfigures_task_unique")]


class AgreementCell(CellKey):
    """The summed figures of a cell's tasks: label counts, coincidences per unit size,
    thumbs, producers' comparisons (see feedback.quality.kept.contributions)."""

    tasks = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["project", "kind", "version", "split", "first_day", "last_day", "version_slice"],
            name="agreementcell_key_unique")]
        indexes = [models.Index(fields=["project", "first_day", "last_day"], name="agreementcell_days_idx")]


ANNOTATOR_COUNTERS = ("labels", "thumbs_up", "thumbs_given", "first_shown_wins", "first_shown_pairs",
                      "others_agreeing", "others_pairs", "majority_compared", "majority_agreed", "gold_total",
                      "gold_correct")


class AnnotatorCell(CellKey):
    """One annotator's counters over a cell's tasks (feedback.quality.kept.contributions)."""

    annotator_id = models.BigIntegerField()
    labels = models.IntegerField(default=0)
    thumbs_up = models.IntegerField(default=0)
    thumbs_given = models.IntegerField(default=0)
    first_shown_wins = models.IntegerField(default=0)
    first_shown_pairs = models.IntegerField(default=0)
    others_agreeing = models.IntegerField(default=0)
    others_pairs = models.IntegerField(default=0)
    majority_compared = models.IntegerField(default=0)
    majority_agreed = models.IntegerField(default=0)
    gold_total = models.IntegerField(default=0)
    gold_correct = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["project", "annotator_id", "kind", "version", "split", "first_day", "last_day", "version_slice"],
            name="annotatorcell_key_unique")]
        indexes = [models.Index(fields=["project", "first_day", "last_day"], name="annotatorcell_days_idx")]
