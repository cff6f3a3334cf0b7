"""Helpers for the plain SQL of the labelling hot path (next task, submit, payload, and
the token and project checks every API call starts with).

Composing those statements with the ORM cost more CPU than running them — about half
of a label round trip — so they are written out, in SQL that SQLite and Postgres both
read, on Django's own tables."""
from django.db import connection


def table(model) -> str:
    """The model's table name, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def db_datetime(value):
    """A datetime parameter as the database compares it (SQLite stores text)."""
    return connection.ops.adapt_datetimefield_value(value)


def first_row(model, sql: str, params):
    """The first model instance a raw SELECT of the model's columns returns, or None."""
    return next(iter(model.objects.raw(sql, params)), None)
