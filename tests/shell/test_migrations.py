"""Alembic migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.db import metadata
from models.statement_keys import STATEMENT_KEYS


def _replaced_by_statement_key(diff) -> bool:
    """On PostgreSQL the bulk tables' keys are triggers (models/statement_keys.py), not constraints."""
    if diff[0] != "add_fk":
        return False
    constraint = diff[1]
    columns = [column.name for column in constraint.columns]
    return any(key.table == constraint.parent.name and [key.column] == columns
               and key.parent == constraint.referred_table.name for key in STATEMENT_KEYS)


def test_migrated_database_matches_the_models(engine):
    """The session database was built by `alembic upgrade head` (conftest), not create_all."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        if engine.dialect.name == "postgresql":
            assert len([d for d in differences if _replaced_by_statement_key(d)]) == len(STATEMENT_KEYS)
            differences = [d for d in differences if not _replaced_by_statement_key(d)]
        assert differences == []
        assert context.get_current_revision() is not None


def test_migrations_go_down_and_up_again(tmp_path):
    from sqlalchemy import inspect

    from homeroom.migrate import downgrade, upgrade
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    downgrade(url)
    assert inspect(make_engine(url)).get_table_names() == ["alembic_version"]
    upgrade(url)
    assert "delivery" in inspect(make_engine(url)).get_table_names()
