from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender, using, **kwargs):
    """The embedded cache is a database table (shared by every web process, so the API's
    throttles count across them). `migrate` creates it, wherever migrate runs; with
    CACHE_URL set to Redis this does nothing."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class LoginsConfig(AppConfig):
    name = "feedback.logins"
    label = "logins"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self)
