"""Empty databases for tests that run the real migrations up to a revision, seed rows as they stood
then, and upgrade: a SQLite file, or a PostgreSQL database of its own when the run uses PostgreSQL."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from harness import BASE_DATABASE_URL, USES_POSTGRES

#: Parametrize a migration test over both backends; the PostgreSQL case skips in a SQLite-only run.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not USES_POSTGRES, reason="this run has no PostgreSQL (HOMEROOM_TEST_DATABASE_URL)"))]


@contextlib.contextmanager
def fresh_database(tmp_path, backend: str, prefix: str):
    """The URL of an empty database on ``backend`` (its name starts with ``prefix``), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{prefix}-{uuid.uuid4().hex[:6]}.db'}"
        return
    base = BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"homeroom_{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
