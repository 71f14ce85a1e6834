"""Email options on messages (secure, copy self, Cc, signature) and users' signatures (SET-07).

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("secure", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("copy_self", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("cc", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("cc_first_only", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("include_signature", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("email_signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sms_signature", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("sms_signature")
        batch.drop_column("email_signature")
    with op.batch_alter_table("message") as batch:
        for column in ("include_signature", "cc_first_only", "cc", "copy_self", "secure"):
            batch.drop_column(column)
