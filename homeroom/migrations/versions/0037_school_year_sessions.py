"""Marking periods, the school year per sign-in, and the year a message was sent in (issue 18
point 2; SYS-08, CMP-33): the marking_period table (models/directory.py), the sign_in_session table
(models/sign_in.py) and message.school_year_id.

Revision ID: 0037
Revises: 0036
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marking_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("sourced_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(["school_year_id"], ["school_year.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sourced_id"),
    )
    op.create_index("ix_marking_period_school_year_id", "marking_period", ["school_year_id"])
    op.create_table(
        "sign_in_session",
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("selected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["school_year_id"], ["school_year.id"]),
        sa.PrimaryKeyConstraint("sid"),
    )
    op.create_index("ix_sign_in_session_user_id", "sign_in_session", ["user_id"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("school_year_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_message_school_year", "school_year", ["school_year_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("fk_message_school_year", type_="foreignkey")
        batch.drop_column("school_year_id")
    op.drop_index("ix_sign_in_session_user_id", table_name="sign_in_session")
    op.drop_table("sign_in_session")
    op.drop_index("ix_marking_period_school_year_id", table_name="marking_period")
    op.drop_table("marking_period")
