from django.apps import AppConfig


class LabellingConfig(AppConfig):
    name = "feedback.labelling"
    label = "labelling"
    default_auto_field = "django.db.models.BigAutoField"
