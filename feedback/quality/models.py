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
