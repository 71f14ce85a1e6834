"""Bulk writes of plain row dicts: COPY on PostgreSQL with psycopg, chunked executemany elsewhere.

Shared by the synthetic district generator and the OneRoster import, which build their rows with
ids assigned in Python and write whole tables at once; no ORM object is built per row.
"""

from __future__ import annotations

import json

import sqlalchemy
from sqlalchemy import text
from sqlmodel import SQLModel

CHUNK = 5000


def insert_rows(connection: sqlalchemy.Connection, rows: dict[sqlalchemy.Table, list[dict]]) -> None:
    """Bulk-write the tables in FK order; COPY on psycopg, chunked executemany elsewhere.

    Every row of a table carries the same keys; a column left out takes its default.
    """
    postgres = connection.dialect.name == "postgresql"
    for table in (table for table in SQLModel.metadata.sorted_tables if rows.get(table)):
        write_table(connection, table, rows[table])
        if postgres and [column.name for column in table.primary_key.columns] == ["id"]:
            # The ids were given explicitly: move the sequence past them for later inserts.
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                    f"'id'), max(id)) FROM \"{table.name}\""))


def write_table(connection: sqlalchemy.Connection, table: sqlalchemy.Table, rows: list[dict]) -> None:
    """Insert rows that all carry the same keys: COPY on psycopg, chunked executemany elsewhere."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        copy_rows(connection, table, rows)
        return
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start:start + CHUNK])


def copy_rows(connection: sqlalchemy.Connection, table: sqlalchemy.Table, rows: list[dict]) -> None:
    """COPY the rows; columns they leave out get their Python-side default, as Core would."""
    given = list(rows[0])
    defaults = {column.name: column.default.arg if column.default.is_scalar else column.default.arg(None)
                for column in table.columns
                if column.name not in given and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)}
    as_json = {column.name for column in table.columns if isinstance(column.type, sqlalchemy.JSON)}
    quoted = ", ".join(f'"{column}"' for column in [*given, *defaults])
    filler = [json.dumps(value) if name in as_json else value for name, value in defaults.items()]
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[column]) if column in as_json else row[column] for column in given]
                               + filler)
