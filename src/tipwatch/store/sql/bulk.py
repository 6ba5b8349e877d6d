"""Bulk inserts with PostgreSQL's COPY (psycopg's ``cursor.copy``), for the analyze writer's large batches.

A batch of posts, identifiers, indicator hits and media rows goes to the server as one COPY stream instead of
multi-row INSERT statements: no SQL text to build and parse per chunk of rows, no bound parameters. COPY cannot skip
rows that clash with a unique key, so rows that may clash (posts: another run may have inserted the same id since we
looked) are copied into a temporary table first and moved with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING
RETURNING``, which keeps the writer's duplicate counting exact under concurrent runs.

Everything runs on the caller's connection, inside its transaction. SQLite keeps its executemany inserts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Table, insert

from tipwatch.store.sql.dialect import insert_ignore


def can_copy(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _copy(conn: Connection, target: sql.Composable, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = list(rows[0])
    as_json = [isinstance(table.c[c].type, JSON) for c in columns]
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(stmt) as copy:
        for row in rows:
            # JSON columns go as JSON text (psycopg would refuse a dict or list); SQL NULL stays NULL.
            copy.write_row(
                [Json(row[c]) if j and row[c] is not None else row[c] for c, j in zip(columns, as_json, strict=True)]
            )


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, copy: bool) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``: by COPY when ``copy`` (PostgreSQL), else one
    executemany INSERT."""
    if not rows:
        return
    if copy:
        _copy(conn, sql.Identifier(table.name), table, rows)
    else:
        conn.execute(insert(table), list(rows))


def insert_new(conn: Connection, table: Table, key: str, rows: Sequence[Mapping[str, Any]], *, copy: bool) -> set[str]:
    """Insert ``rows``, skipping those whose ``key`` (the table's unique key) is taken by now; the keys inserted."""
    if not rows:
        return set()
    if not copy:
        stmt = insert_ignore(conn.dialect.name, table, [table.c[key]]).returning(table.c[key])
        return {str(row[0]) for row in conn.execute(stmt, list(rows))}
    staging = f"tw_copy_{table.name}"
    columns = sql.SQL(", ").join(map(sql.Identifier, list(rows[0])))
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        # The session's own table, emptied at each commit; only the columns copied (not the posts' generated
        # search column, which the final insert computes).
        create = "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        cur.execute(sql.SQL(create).format(sql.Identifier(staging), sql.Identifier(table.name)))
    _copy(conn, sql.Identifier(staging), table, rows)
    with raw.cursor() as cur:
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT ({}) DO NOTHING RETURNING {}").format(
                sql.Identifier(table.name),
                columns,
                columns,
                sql.Identifier(staging),
                sql.Identifier(key),
                sql.Identifier(key),
            )
        )
        inserted = {str(row[0]) for row in cur.fetchall()}
        cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(staging)))
    return inserted
