"""Beat entry: the weekly retraining check, Monday 03:00 (editable in the admin)."""
from django.conf import settings
from django.db import migrations

TASK = "feedback.loop.tasks.scheduled_retraining"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monday_3am, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="1", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name="Weekly retraining", defaults={"task": TASK, "crontab": monday_3am,
                                            "description": "Per project with retraining on: snapshot and train "
                                                           "when enough new preferences arrived, else record why not."}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
