"""Django admin for managing projects, members, codebooks and imported data."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from feedback.labelling.models import (
    Assignment,
    Candidate,
    CodebookVersion,
    Label,
    LabelRevision,
    Membership,
    Project,
    Prompt,
    Task,
    TaskCandidate,
)
from feedback.labelling.services.codebooks import codebook_publish


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "overlap", "default_task_kind", "base_model", "import_link"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    search_fields = ["name", "slug"]

    @admin.display(description="Import")
    def import_link(self, obj):
        return format_html('<a href="{}">Upload prompts…</a>', reverse("labelling:import", args=[obj.slug]))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "tier", "joined_at"]
    list_filter = ["project", "role", "tier"]
    list_editable = ["role", "tier"]
    autocomplete_fields = ["user"]


@admin.register(CodebookVersion)
class CodebookVersionAdmin(admin.ModelAdmin):
    """Published versions are read-only; "add" publishes the next version."""

    list_display = ["project", "version", "is_active", "author", "created_at", "change_note"]
    list_filter = ["project", "is_active"]
    fields = ["project", "text", "rubric", "change_note"]  # the rubric checked by CodebookVersion.clean

    def get_readonly_fields(self, request, obj=None):
        return ["project", "text", "rubric", "change_note", "version", "author", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        published = codebook_publish(
            project=obj.project, text=obj.text, rubric=obj.rubric, author=request.user, change_note=obj.change_note
        )
        obj.pk, obj.version = published.pk, published.version


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["external_id", "project", "split", "is_chat", "created_at"]
    list_filter = ["project", "split"]
    search_fields = ["external_id"]
    readonly_fields = ["split"]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["id", "prompt", "producer_kind", "producer_name", "adapter", "created_at"]
    list_filter = ["producer_kind", "prompt__project"]
    raw_id_fields = ["prompt", "adapter", "generation_round"]


class TaskCandidateInline(admin.TabularInline):
    model = TaskCandidate
    extra = 0
    raw_id_fields = ["candidate"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "kind", "prompt", "labels_done", "is_gold", "is_active"]
    list_filter = ["project", "kind", "is_gold", "is_active"]
    raw_id_fields = ["prompt", "generation_round", "calibration_for"]
    inlines = [TaskCandidateInline]
    readonly_fields = ["labels_done", "candidate_key"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "annotator", "status", "leased_at", "expires_at"]
    list_filter = ["status", "task__project"]
    raw_id_fields = ["task"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "annotator", "kind", "codebook", "time_spent_ms", "created_at"]
    list_filter = ["kind", "task__project"]
    raw_id_fields = ["assignment", "task"]

    def has_change_permission(self, request, obj=None):
        return False  # labels are raw data: only their annotator changes them (services/revisions.py, which keeps the earlier answer)


@admin.register(LabelRevision)
class LabelRevisionAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "task", "annotator", "label", "label_created_at", "created_at"]
    list_filter = ["action", "task__project"]
    raw_id_fields = ["label", "task", "assignment"]

    def has_add_permission(self, request):
        return False  # written by the edit and undo services only

    def has_change_permission(self, request, obj=None):
        return False  # the earlier answers are a record: nothing edits them
