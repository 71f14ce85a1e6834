"""Partner keys (issue 16 point 3): scoped keys acting for the district administrator who created
them, stored as a prefix and an HMAC of the secret.

A key's schools are rows of partner_key_school (none: every school of its creator); each secret is
a row of partner_key_secret, so a rotated secret keeps working until its grace period ends.

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_partner_key_created_by_id", "partner_key", ["created_by_id"])
    op.create_table(
        "partner_key_school",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["partner_key.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("key_id", "school_id"),
    )
    op.create_index("ix_partner_key_school_school_id", "partner_key_school", ["school_id"])
    op.create_table(
        "partner_key_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signing_kid", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["partner_key.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_index("ix_partner_key_secret_key_id", "partner_key_secret", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_partner_key_secret_key_id", table_name="partner_key_secret")
    op.drop_table("partner_key_secret")
    op.drop_index("ix_partner_key_school_school_id", table_name="partner_key_school")
    op.drop_table("partner_key_school")
    op.drop_index("ix_partner_key_created_by_id", table_name="partner_key")
    op.drop_table("partner_key")
