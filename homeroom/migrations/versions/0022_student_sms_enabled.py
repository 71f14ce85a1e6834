"""SMS-02: the student address card's phone says whether it takes SMS.

Students stored before this revision keep receiving SMS on their primary phone, as they did: the
column is added switched on. OneRoster imports set it from the ``sms`` field from now on.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("sms_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("student") as batch:
        batch.drop_column("sms_enabled")
