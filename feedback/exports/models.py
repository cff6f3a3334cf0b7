"""Snapshots: frozen exports kept on disk with their manifest."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from feedback.labelling.models import Project


class Snapshot(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    dataset = models.CharField(max_length=20, help_text="preference, unpaired, sft or raw")
    filters = models.JSONField(default=dict, blank=True)
    directory = models.CharField(max_length=500, help_text="Relative to the artifacts folder.")
    manifest = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, help_text="Content hash over the snapshot's data files.")
    row_counts = models.JSONField(default=dict, blank=True, help_text="Rows per split.")
    label_count = models.PositiveIntegerField(default=0)
    last_label_id = models.BigIntegerField(
        default=0, help_text="The newest label included: later labels count as new preferences."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"snapshot {self.pk} ({self.dataset}, {self.sha256[:8]})"
