"""Admin for the loop: training settings per project are edited here; runs, adapters and
leaderboard fits are read-only records (act on them from the training pages, which keep the audit trail)."""
from django.contrib import admin

from feedback.loop.models import (
    AdapterEvent, AdapterVersion, GenerationRound, LeaderboardFit, TrainingRun, TrainingSettings,
)


@admin.register(TrainingSettings)
class TrainingSettingsAdmin(admin.ModelAdmin):
    list_display = ("project", "retraining_enabled", "algorithm", "min_new_preferences", "promotion_margin",
                    "min_heldout_pairs")
    list_filter = ("retraining_enabled", "algorithm")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "project", "algorithm", "status", "trigger", "created_at", "finished_at")
    list_filter = ("status", "algorithm", "project")


class AdapterEventInline(admin.TabularInline):
    model = AdapterEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "note", "created_at")


@admin.register(AdapterVersion)
class AdapterVersionAdmin(ReadOnlyAdmin):
    list_display = ("project", "version", "role", "algorithm", "status", "created_at", "promoted_at")
    list_filter = ("status", "role", "project")
    inlines = [AdapterEventInline]


@admin.register(GenerationRound)
class GenerationRoundAdmin(ReadOnlyAdmin):
    list_display = ("pk", "project", "adapter", "status", "done", "total", "created_at")
    list_filter = ("status", "project")


@admin.register(LeaderboardFit)
class LeaderboardFitAdmin(ReadOnlyAdmin):
    list_display = ("project", "computed_at", "comparison_count", "bootstrap", "refit_queued_at")
