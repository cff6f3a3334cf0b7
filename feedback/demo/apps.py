from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "feedback.demo"
    label = "demo"
