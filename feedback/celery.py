"""The Celery app.

By default the broker is kombu's filesystem transport under var/celery, so `make run`
needs no server; production sets CELERY_BROKER_URL (redis://... or amqp://...).
Training runs go to their own `training` queue, served by a worker with concurrency 1.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback.settings")

app = Celery("feedback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
