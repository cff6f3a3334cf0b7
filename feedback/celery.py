"""The Celery app.

By default the broker is kombu's filesystem transport under var/celery, so `make run`
needs no server; production sets CELERY_BROKER_URL (redis://... or amqp://...).
Training runs go to their own `training` queue, served by a worker with concurrency 1.
"""
import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback.settings")

app = Celery("feedback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def filesystem_broker_folders_make(sender, source, **kwargs):
    """kombu's filesystem transport writes into folders it expects to exist. The app reads
    its configuration before the first message goes in or out, in the web process that
    sends a task as in a worker or beat: the folders are made then, not by settings."""
    if not str(source.broker_url).startswith("filesystem://"):
        return
    options = source.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
