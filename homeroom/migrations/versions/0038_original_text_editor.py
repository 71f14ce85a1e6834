"""The "Use Original Text Editor" preference (issue 18 point 5; EDT-01): a nullable district column,
on for a district that already has Communication templates (their HTML is the original editor's,
kept until the district switches, EDT-02), and null, the new editor with the preference already
gone, for a district without templates, which has nothing to preserve.

Revision ID: 0038
Revises: 0037
"""
from alembic import op
import sqlalchemy as sa

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("use_original_text_editor", sa.Boolean(), nullable=True))
    # One deployment serves one district (templates carry no district): templates anywhere are its.
    op.execute(sa.text("UPDATE district SET use_original_text_editor = :on "
                       "WHERE EXISTS (SELECT 1 FROM message_template)").bindparams(on=True))


def downgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.drop_column("use_original_text_editor")
