"""The district's answer to an inbound SMS HELP.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("sms_help_text", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.drop_column("sms_help_text")
