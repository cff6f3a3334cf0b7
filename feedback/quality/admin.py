"""Admin for quality: per-project bounds, quizzes per codebook version, adjudications;
gold items are marked from the adjudication page (or the Task admin's gold fields)."""
from django.contrib import admin

from feedback.quality.models import Adjudication, QualitySettings, QuizAttempt, QuizQuestion
from feedback.quality.quiz import quiz_require


@admin.register(QualitySettings)
class QualitySettingsAdmin(admin.ModelAdmin):
    list_display = ("project", "min_labels_for_flags", "max_thumbs_up_gap", "position_bias_low", "position_bias_high",
                    "min_agreement", "min_gold_accuracy", "quiz_pass_mark")


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    list_display = ("codebook", "position", "text", "correct")
    list_filter = ("codebook__project",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        quiz_require(codebook=obj.codebook)  # those who read the version before it had a quiz take it too


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ("user", "codebook", "score", "passed", "created_at")
    list_filter = ("passed", "codebook__project")
    readonly_fields = ("user", "codebook", "answers", "score", "passed", "created_at")


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ("task", "reviewer", "updated_at")
    readonly_fields = ("created_at", "updated_at")
