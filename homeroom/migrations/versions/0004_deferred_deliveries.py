"""Deferred deliveries: a partial index the communication queue reads to release deliveries whose
call window has opened (SYS-01).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivery_deferred_not_before", "delivery", ["not_before"],
                    postgresql_where=sa.text("status = 'DEFERRED'"), sqlite_where=sa.text("status = 'DEFERRED'"))


def downgrade() -> None:
    op.drop_index("ix_delivery_deferred_not_before", table_name="delivery")
