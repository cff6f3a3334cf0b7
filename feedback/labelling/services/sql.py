"""Helpers for the plain SQL of the labelling hot path (next task, submit, payload, and
the token and project checks every API call starts with).

Composing those statements with the ORM cost more CPU than running them — about half
of a label round trip — so they are written out, in SQL that SQLite and Postgres both
read, on Django's own tables. Rows become model instances here with each field's own
database converters (what the ORM applies), without a queryset around them: building
a RawQuerySet for one row cost as much again as the statement's own Python."""
from functools import cache

from django.db import connection
from django.db.models.base import DEFERRED


def table(model) -> str:
    """The model's table name, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


@cache
def columns(model, alias: str) -> str:
    """The model's columns, `alias`-qualified, in the order first_row_of reads them (cached:
    hot-path statements ask on every request)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def db_datetime(value):
    """A datetime parameter as the database compares it (SQLite stores text)."""
    return connection.ops.adapt_datetimefield_value(value)


@cache
def _converters(field, vendor: str) -> tuple:
    # What SQLCompiler.apply_converters runs for a plain column (the backend's, then the field's).
    column = field.get_col(field.model._meta.db_table)
    return tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection)), column


def converted(field, value):
    """A column's value from the database as the ORM gives it (field and backend converters)."""
    converters, column = _converters(field, connection.vendor)
    for converter in converters:
        value = converter(value, column, connection)
    return value


@cache
def _fields_by_column(model) -> dict:
    return {field.column: field for field in model._meta.concrete_fields}


def _instance(model, values: list):
    """An instance from values in concrete-field order (DEFERRED for columns not read)."""
    return model.from_db(connection.alias, None, values)


def first_row(model, sql: str, params):
    """The first model instance a raw SELECT of (some of) the model's columns returns, or
    None. Columns that are not the model's become attributes, as with Model.objects.raw."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column[0] for column in cursor.description]
    by_column, values, extra = _fields_by_column(model), {}, {}
    for name, value in zip(names, row):
        field = by_column.get(name)
        if field is None:
            extra[name] = value
        else:
            values[field.attname] = converted(field, value)
    instance = _instance(model, [values.get(field.attname, DEFERRED) for field in model._meta.concrete_fields])
    for name, value in extra.items():
        setattr(instance, name, value)
    return instance


def first_row_of(models, sql: str, params) -> tuple | None:
    """The first row of a raw SELECT whose columns are columns(model, ...) of each of
    `models` in turn, then any others: (instance, instance, ..., other values...), or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    out, start = [], 0
    for model in models:
        fields = model._meta.concrete_fields
        out.append(_instance(model, [converted(f, v) for f, v in zip(fields, row[start:start + len(fields)])]))
        start += len(fields)
    return (*out, *row[start:])


def insert(instance) -> None:
    """INSERT the new instance (every concrete field but the key, as the ORM would save
    it) in one statement, and set its key from RETURNING."""
    model = type(instance)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {table(model)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, connection.alias
