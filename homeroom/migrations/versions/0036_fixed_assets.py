"""Fixed assets for the finance insert fields (issue 18 point 2): the fixed_asset table
(models/finance.py), filled by an integration with the district's asset tracking.

Revision ID: 0036
Revises: 0035
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fixed_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_tag", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("student_id IS NULL OR user_id IS NULL", name="ck_fixed_asset_one_holder"),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_tag"),
    )
    op.create_index("ix_fixed_asset_student_id", "fixed_asset", ["student_id"])
    op.create_index("ix_fixed_asset_user_id", "fixed_asset", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_fixed_asset_user_id", table_name="fixed_asset")
    op.drop_index("ix_fixed_asset_student_id", table_name="fixed_asset")
    op.drop_table("fixed_asset")
