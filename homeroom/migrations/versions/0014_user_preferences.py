"""User preferences (SET-03..SET-06), the district's default user preferences (SET-09) and each
school's push-by-default preference (SYS-05).

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

USER_SETTINGS = ("push_all_messages", "email_notifications_off", "allow_reply_by_default", "table_view")


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        for name in USER_SETTINGS:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=True))
    op.create_index("ix_user_email_off", "app_user", ["id"], postgresql_where=sa.text("email_notifications_off"),
                    sqlite_where=sa.text("email_notifications_off"))
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("user_preference_defaults", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("school") as batch:
        batch.add_column(sa.Column("push_by_default", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school") as batch:
        batch.drop_column("push_by_default")
    with op.batch_alter_table("district") as batch:
        batch.drop_column("user_preference_defaults")
    op.drop_index("ix_user_email_off", table_name="app_user")
    with op.batch_alter_table("app_user") as batch:
        for name in USER_SETTINGS:
            batch.drop_column(name)
