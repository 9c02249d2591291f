"""SQL helpers of the bulk loaders (subjects.bulk, records.loading): set-based reads and writes.

- ``lookup_rows``: the rows matching a list of keys, one index probe per key, in one statement;
- ``reserve_ids``: a block of fresh primary keys, so that rows can reference each other before they are
  written;
- ``write_rows``: append rows to a table — ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite;
- ``copy_text`` / ``copy_line`` / ``copy_value``: PostgreSQL COPY text lines built by the caller, so that the
  part of a line that does not depend on the chunk can be built once, elsewhere;
- ``lock_rows`` / ``unchecked_writes``: foreign-key checks done set-based by the caller instead of one
  trigger per inserted row (PostgreSQL, when the role may do so);
- ``adapters`` / ``datetime_converter``: the conversions the ORM would do for raw statements;
- ``bulk_session``: per-transaction settings for the above (no JIT on PostgreSQL);
- ``index_probes``: updates of known rows by key through the index, whatever the statistics say.

Raw SQL, because the ORM builds one model instance and one parameter per row and value, which is what the
bulk loaders exist to avoid. Only PostgreSQL and SQLite are supported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import orjson
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
    lock: bool = False,
) -> list[tuple]:
    """Rows of ``SELECT select FROM table WHERE match = <value> where`` for every value, in one statement.

    Each value is looked up through the index on ``match``, driven from the list of values (PostgreSQL:
    ``unnest`` of one array parameter and a LATERAL subquery; SQLite: ``json_each`` of one JSON parameter,
    CROSS JOIN fixing the join order). So the cost is one index probe per value, also right after a bulk
    load, when the planner's statistics still describe a smaller table: a plain ``IN`` or ``= ANY`` can then
    be planned as a scan of the whole table for every chunk. There is no limit on the number of values.
    ``lock``: PostgreSQL takes a ``FOR KEY SHARE`` lock on each row found (as a foreign-key check does).
    """
    values = sorted(set(values))
    if not values:
        return []
    if connection.vendor == "postgresql":
        sql = (
            # The values as one JSON text: psycopg builds array parameters in Python, element by element.
            f"SELECT x.* FROM jsonb_array_elements_text(%s::jsonb) AS k(t) CROSS JOIN LATERAL "
            # OFFSET 0 keeps the subquery from being flattened into a join, which the planner may then run as
            # a scan of every row matching the other conditions (e.g. all records of a department).
            f"(SELECT {select} FROM {table} WHERE {match} = k.t::{sql_type}{where} OFFSET 0"
            f"{' FOR KEY SHARE' if lock else ''}) AS x"
        )
        args = [_json_array(values), *params]
    else:
        sql = f"SELECT {select} FROM json_each(%s) AS k CROSS JOIN {table} WHERE {match} = k.value{where}"
        args = [json.dumps(values), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _json_array(values: list) -> str:
    try:
        return orjson.dumps(values).decode()
    except TypeError:
        return json.dumps(values, ensure_ascii=False)


def bulk_session() -> None:
    """Settings for the bulk statements of the current transaction (PostgreSQL; nothing elsewhere).

    JIT compilation off: a lookup over a freshly loaded table gets a high cost estimate (no statistics
    yet), which makes PostgreSQL spend ~50 ms compiling a query that runs in a few milliseconds.
    ``SET LOCAL`` ends with the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


@contextlib.contextmanager
def index_probes() -> Iterator[None]:
    """PostgreSQL: within the block, join through indexes (nested loops), never by hashing or merging.

    ``UPDATE … FROM unnest(ids)`` touches a few thousand rows by primary key; right after a bulk load the
    planner's statistics still describe a small table and it hashes the whole table instead, once per
    chunk, which grows with the table. The previous settings of the transaction are restored afterwards.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        hashjoin, mergejoin = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
        )
    yield
    # Not after an error: the transaction may be aborted (the settings end with it), and the error is the news.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
            [hashjoin, mergejoin],
        )


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
            # COPY text built here, sent in large blocks: the driver's write_row adapts value by value.
            copy_text(model, columns, [copy_line(row) + "\n" for row in rows])
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (NULL as \\N, special characters escaped)."""
    kind = value.__class__
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if isinstance(value, dt.date):  # dates and aware datetimes: ISO 8601, as PostgreSQL reads them
        return value.isoformat()
    # str.__str__: an exact str also for str subclasses (choices, SafeString) whose own __str__ is not one.
    return copy_value(str.__str__(value) if isinstance(value, str) else str(value))


def copy_line(values: Iterable[Any]) -> str:
    """Values as one COPY text line (without the line end)."""
    return "\t".join(map(copy_value, values))


def copy_text(model, columns: Sequence[str], lines: list[str] | list[bytes]) -> None:
    """PostgreSQL: stream COPY text lines (each ending with a newline; str or UTF-8 bytes) into the table."""
    if not lines:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        join = b"".join if isinstance(lines[0], bytes) else "".join
        for start in range(0, len(lines), 1000):
            copy.write(join(lines[start : start + 1000]))


def lock_rows(model, ids: Iterable[int]) -> list[int]:
    """The ids of ``ids`` that exist in the model's table, each row locked as a foreign-key check locks it."""
    quoted = connection.ops.quote_name(model._meta.db_table)
    return [
        row[0]
        for row in lookup_rows(
            ids, select="t.id", table=f"{quoted} t", match="t.id", sql_type="bigint", lock=True
        )
    ]


# Per database and role: may this connection skip the per-row foreign-key triggers of the bulk tables?
_UNCHECKED: dict[tuple, bool] = {}


def _may_skip_triggers(models: Sequence) -> bool:
    settings = connection.settings_dict
    tables = tuple(sorted(m._meta.db_table for m in models))
    key = (settings.get("HOST"), settings.get("PORT"), settings["NAME"], settings.get("USER"), tables)
    allowed = _UNCHECKED.get(key)
    if allowed is None:
        with connection.cursor() as cursor:
            # The role may set session_replication_role (superuser, or GRANT SET ON PARAMETER since
            # PostgreSQL 15), and no table has triggers of its own that the setting would silence too.
            granted = (
                " OR has_parameter_privilege('session_replication_role', 'SET')"
                if connection.pg_version >= 150000
                else ""
            )
            cursor.execute(
                f"SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user){granted}, "
                "(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY(%s::regclass[]))",
                [list(tables)],
            )
            may_set, own_triggers = cursor.fetchone()
        allowed = _UNCHECKED[key] = bool(may_set) and not own_triggers
    return allowed


@contextlib.contextmanager
def unchecked_writes(*models) -> Iterator[bool]:
    """Within: PostgreSQL writes to these tables fire no per-row foreign-key triggers, when allowed.

    Yields whether that is the case; then the caller must check the references of the rows it writes
    itself (``lock_rows``) — set-based, one statement per referenced table instead of one trigger run per
    row and key at commit, which is most of PostgreSQL's work for a bulk insert. Unique and check
    constraints still apply. ``session_replication_role`` is set for the current transaction only and
    reset on leaving; if the block fails, the caller's savepoint rollback resets it.
    """
    if connection.vendor != "postgresql" or not _may_skip_triggers(models):
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


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


def _same(value):
    return value


def _int_or_none(value):
    return None if value is None else int(value)
