"""The district's flagged-words list and the flag on filed replies (INB-11, INB-12).

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("flagged_words", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("thread_reply") as batch:
        batch.add_column(sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("thread_reply") as batch:
        batch.drop_column("flagged")
    with op.batch_alter_table("district") as batch:
        batch.drop_column("flagged_words")
