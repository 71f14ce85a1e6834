"""Conversations for everyone (issue 15): the in-app inbox as a ledger channel, threads between two
users with each one's state, drafts that can be assigned, portal alerts, the record of flagging and
referrals, and out-of-office.

In-app rows are ordinary deliveries (channel INAPP, address ``user:<id>``), so the ledger only
gains a read time and a partial index for a user's in-app rows. Messages stored before this
revision have no in-app rows: inboxes start with what is sent from now on.

Revision ID: 0025
Revises: 0024
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

INAPP = sa.text("channel = 'INAPP'")


def upgrade() -> None:
    op.create_table(
        "thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_user_id", sa.Integer(), nullable=False),
        sa.Column("high_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["high_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["low_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("low_user_id", "high_user_id", name="uq_thread_pair"),
    )
    op.create_index("ix_thread_high_user_id", "thread", ["high_user_id"])
    op.create_table(
        "thread_side",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("correspondent_id", sa.Integer(), nullable=False),
        sa.Column("last_received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_activity_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("unread_count", sa.Integer(), nullable=False),
        sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["archived_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["correspondent_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("thread_id", "user_id"),
    )
    op.create_index("ix_thread_side_activity", "thread_side", ["user_id", "last_activity_at", "thread_id"])
    op.create_index("ix_thread_side_inbox", "thread_side", ["user_id", "last_received_at", "thread_id"])
    op.create_index("ix_thread_side_sent", "thread_side", ["user_id", "last_sent_at", "thread_id"])
    op.create_table(
        "draft_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["from_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["to_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_draft_assignment_message_id", "draft_assignment", ["message_id"])
    op.create_table(
        "message_flag_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_flag_event_message_id", "message_flag_event", ["message_id"])
    op.create_table(
        "portal_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_alert_user_id", "portal_alert", ["user_id"])
    op.create_table(
        "referral_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referral_request_message_id", "referral_request", ["message_id"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("out_of_office_start", sa.Date(), nullable=True))
        batch.add_column(sa.Column("out_of_office_end", sa.Date(), nullable=True))
        batch.add_column(sa.Column("out_of_office_message", sa.Text(), nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index("ix_delivery_inapp_address", "delivery", ["address", "message_id"],
                    postgresql_where=INAPP, sqlite_where=INAPP)
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("auto_reply", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("draft_title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch.add_column(sa.Column("in_app_filed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.create_foreign_key("fk_message_thread_id_thread", "thread", ["thread_id"], ["id"])


    # Messages fanned out before this revision have no in-app rows and never get any.
    op.execute("UPDATE message SET in_app_filed_at = fanned_out_at WHERE fanned_out_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("fk_message_thread_id_thread", type_="foreignkey")
        batch.drop_column("in_app_filed_at")
        batch.drop_column("draft_title")
        batch.drop_column("saved_at")
        batch.drop_column("auto_reply")
        batch.drop_column("thread_id")
    op.drop_index("ix_delivery_inapp_address", table_name="delivery")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("read_at")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("out_of_office_message")
        batch.drop_column("out_of_office_end")
        batch.drop_column("out_of_office_start")
    for table, index in (("referral_request", "ix_referral_request_message_id"),
                         ("portal_alert", "ix_portal_alert_user_id"),
                         ("message_flag_event", "ix_message_flag_event_message_id"),
                         ("draft_assignment", "ix_draft_assignment_message_id")):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
    for index in ("ix_thread_side_sent", "ix_thread_side_inbox", "ix_thread_side_activity"):
        op.drop_index(index, table_name="thread_side")
    op.drop_table("thread_side")
    op.drop_index("ix_thread_high_user_id", table_name="thread")
    op.drop_table("thread")
