"""Rows out of the database in constant memory: a queryset's rows from a server-side
cursor, raw SQL streamed as the server produces it (psycopg on Postgres), and chunks of
an iterator."""
from itertools import islice

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

TASK_CHUNK = 2000
FETCH = 10_000
ROW_FETCH = 5000  # rows per round trip of a wide-row stream (the pair stream carries texts)


def stream_rows(queryset: QuerySet, size: int = FETCH):
    """The queryset's rows as plain tuples from a server-side cursor (on Postgres),
    without Django's per-value converters, so JSON columns arrive as text. A queryset
    that can match nothing (.none(), an empty __in) has no SQL: no rows."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows


def chunks(iterable, size: int = TASK_CHUNK):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _connection_busy(execute, sql, params, many, context):
    raise RuntimeError("the database connection is streaming export rows: read them all (or close the "
                       "iterator) before running another query")


def stream_sql(sql: str, params, size: int = ROW_FETCH):
    """Rows of raw SQL, in order and in constant memory. On Postgres one statement whose
    rows arrive in chunks as the server produces them (libpq ≥ 17), so the database
    computes the next rows while these are written; a server-side cursor would make it
    wait for each FETCH (or, outside a transaction, compute every row before the first).
    Until the rows are read the connection is busy: another query on it meanwhile
    raises (psycopg would otherwise wait forever for its own lock)."""
    if connection.vendor == "postgresql":
        import psycopg  # only on Postgres: SQLite setups need not have it

        if psycopg.pq.version() >= 170000:
            # A transaction only to scope the setting: JIT-compiling a plan whose estimated
            # cost is its row count times the per-task lookups takes longer than it saves,
            # and happens before the first row.
            with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
                cursor.execute("SET LOCAL jit = off")
                with connection.execute_wrapper(_connection_busy):
                    yield from cursor.cursor.stream(sql, params, size=size)
            return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows
