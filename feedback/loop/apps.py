from django.apps import AppConfig


class LoopConfig(AppConfig):
    name = "feedback.loop"
    label = "loop"
    default_auto_field = "django.db.models.BigAutoField"
