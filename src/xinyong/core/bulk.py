"""SQL helpers of the bulk loaders (subjects.bulk, records.bulk): set-based reads and writes.

- ``lookup_rows``: the rows matching a list of keys, one index probe per key, in one statement;
- ``reserve_ids``: a block of fresh primary keys, so that rows can reference each other before they are
  written;
- ``write_rows``: append rows to a table — ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite;
- ``adapters`` / ``datetime_converter``: the conversions the ORM would do for raw statements;
- ``bulk_session``: per-transaction settings for the above (no JIT on PostgreSQL).

Raw SQL, because the ORM builds one model instance and one parameter per row and value, which is what the
bulk loaders exist to avoid. Only PostgreSQL and SQLite are supported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

_SEQUENCES: dict[tuple[str, str], str] = {}


def lookup_rows(
    values: Iterable,
    *,
    select: str,
    table: str,
    match: str,
    where: str = "",
    params: Sequence[Any] = (),
    sql_type: str = "text",
) -> list[tuple]:
    """Rows of ``SELECT select FROM table WHERE match = <value> where`` for every value, in one statement.

    Each value is looked up through the index on ``match``, driven from the list of values (PostgreSQL:
    ``unnest`` of one array parameter and a LATERAL subquery; SQLite: ``json_each`` of one JSON parameter,
    CROSS JOIN fixing the join order). So the cost is one index probe per value, also right after a bulk
    load, when the planner's statistics still describe a smaller table: a plain ``IN`` or ``= ANY`` can then
    be planned as a scan of the whole table for every chunk. There is no limit on the number of values.
    """
    values = sorted(set(values))
    if not values:
        return []
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT x.* FROM unnest(%s::{sql_type}[]) AS k(v) CROSS JOIN LATERAL "
            # OFFSET 0 keeps the subquery from being flattened into a join, which the planner may then run as
            # a scan of every row matching the other conditions (e.g. all records of a department).
            f"(SELECT {select} FROM {table} WHERE {match} = k.v{where} OFFSET 0) AS x"
        )
        args = [values, *params]
    else:
        sql = f"SELECT {select} FROM json_each(%s) AS k CROSS JOIN {table} WHERE {match} = k.value{where}"
        args = [json.dumps(values), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def bulk_session() -> None:
    """Settings for the bulk statements of the current transaction (PostgreSQL; nothing elsewhere).

    JIT compilation off: a lookup over a freshly loaded table gets a high cost estimate (no statistics
    yet), which makes PostgreSQL spend ~50 ms compiling a query that runs in a few milliseconds.
    ``SET LOCAL`` ends with the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def reserve_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, taken from its sequence in one statement."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            key = (connection.settings_dict["NAME"], table)
            sequence = _SEQUENCES.get(key)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = _SEQUENCES[key] = cursor.fetchone()[0]
            # The sequence by name: pg_get_serial_sequence() per row would cost more than nextval() itself.
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # AUTOINCREMENT tables keep their high-water mark in sqlite_sequence. Advancing it is a write, so
            # this transaction holds the database's write lock from here on: the ids are ours alone.
            cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [count, table])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row is not None:
                end = row[0]
            else:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - name from _meta
                end = cursor.fetchone()[0] + count
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, end])
            return list(range(end - count + 1, end + 1))
    raise ImproperlyConfigured(f"bulk loading supports PostgreSQL and SQLite, not {connection.vendor}")


def write_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """Append rows (values in ``columns`` order, see ``adapters``) to the model's table."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's cursor (COPY is not in Django's API); errors mapped to Django's as for execute().
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def adapters() -> tuple[Callable, Callable, Callable]:
    """Converters (datetime, date, bool) from Python values to what raw statements send, as the ORM does."""
    if connection.vendor == "postgresql":
        return _same, _same, _same
    ops = connection.ops
    return ops.adapt_datetimefield_value, ops.adapt_datefield_value, _int_or_none


def datetime_converter() -> Callable:
    """Raw SQL gives SQLite datetimes as text: convert them as the ORM would."""
    if connection.vendor == "sqlite":
        return lambda value: connection.ops.convert_datetimefield_value(value, None, connection)
    return _same


def json_text(value: Any) -> str:
    """A JSONField value as Django stores it (``json.dumps`` defaults), for raw inserts."""
    return json.dumps(value)


def _same(value):
    return value


def _int_or_none(value):
    return None if value is None else int(value)
