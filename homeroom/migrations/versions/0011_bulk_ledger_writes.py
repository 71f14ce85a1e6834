"""Cheaper bulk ledger writes: foreign keys checked once per statement on PostgreSQL
(models/statement_keys.py), and a ledger whose status changes are heap-only updates (no index
names status; pages filled to LEDGER_FILLFACTOR).

Revision ID: 0011
Revises: 0010
"""
from alembic import op

from models.messaging import LEDGER_FILLFACTOR
from models.statement_keys import FUNCTIONS, STATEMENT_KEYS, install_statements, remove_statements

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_message", "delivery", ["message_id"])
    op.drop_index("ix_delivery_message_status", table_name="delivery")
    op.drop_index("ix_delivery_deferred_not_before", table_name="delivery")
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps the plain keys
    op.execute(f"ALTER TABLE delivery SET (fillfactor = {LEDGER_FILLFACTOR})")
    for definition in FUNCTIONS.values():
        op.execute(definition)
    for key in STATEMENT_KEYS:
        for statement in install_statements(key):
            op.execute(statement)


def downgrade() -> None:
    import sqlalchemy as sa

    if op.get_bind().dialect.name == "postgresql":
        for key in STATEMENT_KEYS:
            for statement in remove_statements(key):
                op.execute(statement)
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
        op.execute("ALTER TABLE delivery RESET (fillfactor)")
    op.create_index("ix_delivery_deferred_not_before", "delivery", ["not_before"],
                    postgresql_where=sa.text("status = 'DEFERRED'"), sqlite_where=sa.text("status = 'DEFERRED'"))
    op.create_index("ix_delivery_message_status", "delivery", ["message_id", "status"])
    op.drop_index("ix_delivery_message", table_name="delivery")
