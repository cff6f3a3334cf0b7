"""Running the labelling package's plain statements, and turning their rows into model
instances with each field's own database converters (what the ORM applies), without a
queryset around them: building a RawQuerySet for one row cost as much again as the
statement's own Python (see feedback/labelling/sql/__init__.py for why these statements
are SQL at all).

Each helper looks the thread's connection up once (`_database`) and hands that on:
every attribute read through django.db.connection, a proxy, is a thread-local lookup,
and reading converters and backend features through it for each column of each row
cost a noticeable share of a label round trip's Python (bench/README.md)."""
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.base import DEFERRED


def _database():
    """This thread's connection itself, where django.db.connection is a proxy to it."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def table(model) -> str:
    """The model's table name, quoted (cached: hot-path statements ask on every request)."""
    return connection.ops.quote_name(model._meta.db_table)


@cache
def columns(model, alias: str) -> str:
    """The model's columns, `alias`-qualified, in the order first_row_of reads them (cached,
    as table())."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def db_datetime(value):
    """A datetime parameter as the database compares it (SQLite stores text)."""
    return _database().ops.adapt_datetimefield_value(value)


@cache
def _converters(field, vendor: str) -> tuple:
    # What SQLCompiler.apply_converters runs for a plain column (the backend's, then the field's).
    database = _database()
    column = field.get_col(field.model._meta.db_table)
    return tuple(database.ops.get_db_converters(column) + field.get_db_converters(database)), column


@cache
def _row_converters(model, vendor: str) -> tuple:
    """(position, converters, column) of each of the model's concrete fields that has
    converters: on Postgres only a few do (JSON), and the others' values pass as read."""
    steps = ((i, *_converters(field, vendor)) for i, field in enumerate(model._meta.concrete_fields))
    return tuple(step for step in steps if step[1])


def _apply(converters, column, value, database):
    for converter in converters:
        value = converter(value, column, database)
    return value


def converted(field, value):
    """A column's value from the database as the ORM gives it (field and backend converters)."""
    database = _database()
    return _apply(*_converters(field, database.vendor), value, database)


def _instance(model, values: list, database):
    """An instance from values in concrete-field order, as read (DEFERRED for columns not
    read), converted here."""
    for i, converters, column in _row_converters(model, database.vendor):
        if values[i] is not DEFERRED:
            values[i] = _apply(converters, column, values[i], database)
    return model.from_db(database.alias, None, values)


@cache
def _layout(model, names: tuple) -> tuple:
    """For a row of columns `names`: where each concrete field of the model is in it (None:
    not read), and the other columns' (name, position)."""
    at = {name: i for i, name in enumerate(names)}
    fields = tuple(at.get(field.column) for field in model._meta.concrete_fields)
    known = {field.column for field in model._meta.concrete_fields}
    return fields, tuple((name, i) for i, name in enumerate(names) if name not in known)


def fetch_one(sql: str, params: dict) -> tuple | None:
    """The first row of a statement, as the driver gives it (no converters)."""
    with _database().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: dict) -> list[tuple]:
    """Every row of a statement, as the driver gives them (no converters)."""
    with _database().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(*statements: tuple[str, dict]) -> None:
    """Run (sql, params) statements in turn on one cursor (writes that return nothing)."""
    with _database().cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def first_row(model, sql: str, params: dict):
    """The first model instance a raw SELECT of (some of) the model's columns returns, or
    None. Columns that are not the model's become attributes, as with Model.objects.raw."""
    database = _database()
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = tuple(column[0] for column in cursor.description)
    fields, extra = _layout(model, names)
    instance = _instance(model, [DEFERRED if i is None else row[i] for i in fields], database)
    for name, i in extra:
        setattr(instance, name, row[i])
    return instance


def first_row_of(models, sql: str, params: dict) -> tuple | None:
    """The first row of a raw SELECT whose columns are columns(model, ...) of each of
    `models` in turn, then any others: (instance, instance, ..., other values...), or None."""
    row = fetch_one(sql, params)
    if row is None:
        return None
    database = _database()
    out, start = [], 0
    for model in models:
        end = start + len(model._meta.concrete_fields)
        out.append(_instance(model, list(row[start:end]), database))
        start = end
    return (*out, *row[start:])


@cache
def _insert_sql(model) -> tuple[str, tuple]:
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {table(model)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(f'%({field.attname})s' for field in fields)}) RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields


def insert(instance) -> None:
    """INSERT the new instance (every concrete field but the key, as the ORM would save
    it) in one statement, and set its key from RETURNING."""
    database = _database()
    sql, fields = _insert_sql(type(instance))
    with database.cursor() as cursor:
        cursor.execute(sql, {field.attname: field.get_db_prep_save(field.pre_save(instance, True), database)
                             for field in fields})
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, database.alias
