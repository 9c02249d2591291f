"""Prepared statements for the few hand-written statements a hot path sends on every request (PostgreSQL).

Django's PostgreSQL connections bind parameters on the client and prepare nothing (``prepare_threshold`` is
None, so that a connection pooler in transaction mode keeps working), so PostgreSQL parses and plans every
statement again. ``prepared_cursor()`` gives, on PostgreSQL, a cursor that binds on the server and prepares
a statement the second time its connection sends it (psycopg keeps up to 100 per connection and reuses them
by text and parameter types); later executions skip parsing and planning. A connection used for one request
only (``CONN_MAX_AGE`` 0) thus never pays the extra round trip of preparing. Only statements sent through
this cursor are prepared: Django's own cursors never prepare. On other databases it is an ordinary cursor.

Setting ``XINYONG_DB_PREPARED`` (environment, default on): off for a pooler that cannot keep prepared
statements (PgBouncer before 1.21, or without ``max_prepared_statements``); the statements are then sent
as before (docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

# psycopg prepares a statement once it was executed this many times on the connection (by a cursor that binds
# on the server: Django's client-binding cursors never prepare, whatever the threshold).
_PREPARE_AFTER = 1

_cursor_classes: dict[bool, type] = {}


class _Shown:
    """What Django's query log reads of a statement (``cursor._query.query``): the text with its values."""

    __slots__ = ("query",)

    def __init__(self, query: bytes) -> None:
        self.query = query


def prepared_statements_on() -> bool:
    """True when statements sent through ``prepared_cursor`` are prepared (PostgreSQL, setting on)."""
    return connection.vendor == "postgresql" and getattr(settings, "XINYONG_DB_PREPARED", True)


def _prepared_cursor_class(*, logged: bool) -> type:
    cls = _cursor_classes.get(logged)
    if cls is None:
        import psycopg
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):
            """Binds on the server; psycopg prepares the statements it repeats (``prepare_threshold``)."""

        class LoggedPreparedCursor(PreparedCursor):
            """The same, keeping the statement's text with its values for the query log (DEBUG, tests)."""

            def execute(self, query, params=None, *, prepare=None, binary=None):
                result = super().execute(query, params, binary=binary)
                text = psycopg.ClientCursor(self.connection).mogrify(query, params)
                self._query = _Shown(text.encode())
                return result

        cls = _cursor_classes[logged] = LoggedPreparedCursor if logged else PreparedCursor
    return cls


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor of the default connection whose statements are prepared (PostgreSQL), else a plain one.

    Statements mark their parameters with ``%s`` as usual; they go through Django's cursor wrapper, so they are
    logged and counted like any other.
    """
    # The connection of this thread, looked up once: each attribute read through the ``connection`` proxy
    # looks it up again (a hot path sends two statements per request).
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not getattr(settings, "XINYONG_DB_PREPARED", True):
        with db.cursor() as cursor:
            yield cursor
        return
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _PREPARE_AFTER
    with db.wrap_database_errors:
        cursor = db._prepare_cursor(_prepared_cursor_class(logged=db.queries_logged)(raw))
    with cursor:
        yield cursor
