"""Beat entry: refit the leaderboard of every project whose comparisons changed since its
stored fit, every ten minutes (editable in the admin)."""
from django.db import migrations

TASK = "feedback.loop.tasks.refit_stale_leaderboards"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Refit stale leaderboards", defaults={"task": TASK, "interval": every,
                                                   "description": "Per project whose comparisons changed since its "
                                                                  "stored Bradley–Terry fit: queue a refit."}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0006_leaderboard_fit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
