"""Templates, letterheads and the letter log (issue 18; models/templates.py): a template with its
profiles, schools and files; letterheads with what they are available for; a message's letterhead,
Add Log Record flag and academic record category; the letter log sending and printing write.

Revision ID: 0033
Revises: 0032
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letterhead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("header_html", sa.Text(), nullable=False),
        sa.Column("footer_html", sa.Text(), nullable=False),
        sa.Column("available_for", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("sms_text", sa.Text(), nullable=True),
        sa.Column("call_text", sa.Text(), nullable=True),
        sa.Column("letterhead_id", sa.Integer(), nullable=True),
        sa.Column("tab_target", sa.String(length=40), nullable=True),
        sa.Column("academic_record_category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("secure", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("add_log_record", sa.Boolean(), nullable=False),
        sa.Column("push", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["letterhead_id"], ["letterhead.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_template_author_id", "message_template", ["author_id"])
    op.create_table(
        "message_template_profile",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["message_template.id"]),
        sa.ForeignKeyConstraint(["profile_id"], ["profile.id"]),
        sa.PrimaryKeyConstraint("template_id", "profile_id"),
    )
    op.create_index("ix_message_template_profile_profile", "message_template_profile", ["profile_id"])
    op.create_table(
        "message_template_school",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["message_template.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("template_id", "school_id"),
    )
    op.create_table(
        "message_template_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["message_template.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_template_attachment_template_id", "message_template_attachment", ["template_id"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("letterhead_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("add_log_record", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("academic_record_category", sqlmodel.sql.sqltypes.AutoString(length=100),
                                   nullable=True))
        batch.create_foreign_key("fk_message_letterhead", "letterhead", ["letterhead_id"], ["id"])
    op.create_table(
        "letter_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("academic_record_category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["logged_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letter_log_student", "letter_log", ["student_id"])
    op.create_index("ix_letter_log_message", "letter_log", ["message_id"])


def downgrade() -> None:
    op.drop_table("letter_log")
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("fk_message_letterhead", type_="foreignkey")
        batch.drop_column("academic_record_category")
        batch.drop_column("add_log_record")
        batch.drop_column("letterhead_id")
    op.drop_table("message_template_attachment")
    op.drop_table("message_template_school")
    op.drop_table("message_template_profile")
    op.drop_table("message_template")
    op.drop_table("letterhead")
