"""Scratch databases for the benchmarks: drop and create one, fill its tables with COPY
(far faster than the ORM at a million rows), and move the id sequences past what COPY
wrote, so rows the app inserts afterwards get fresh ids."""
import io


def recreate_database(url: str) -> None:
    drop_database(url, create=True)


def drop_database(url: str, *, create: bool = False) -> None:
    """Drop the database `url` names, whoever is connected to it; `create`: then make it anew, empty."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order; None is NULL) into `table`, in chunks of a
    megabyte; returns how many rows went in."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(r"\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    return count


def reset_sequences(cursor, tables) -> None:
    for table in tables:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
