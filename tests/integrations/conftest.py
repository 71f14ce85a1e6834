"""Fixtures of the integration tests: empty databases of the run's backend, migrated to head."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from harness import BASE_DATABASE_URL, USES_POSTGRES
from homeroom.migrate import upgrade
from models.db import make_engine


@pytest.fixture
def new_engine(tmp_path):
    """Makes empty databases migrated to head, on SQLite or PostgreSQL like the session database."""
    made = []
    admin_url = BASE_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)

    def make():
        if USES_POSTGRES:
            name = f"homeroom_oneroster_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp_path / f'oneroster-{len(made)}.db'}"
        upgrade(url)
        engine = make_engine(url)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        name = engine.url.database
        engine.dispose()
        if USES_POSTGRES:
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
