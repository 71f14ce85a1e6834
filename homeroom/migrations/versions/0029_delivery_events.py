"""The delivery feed (issue 16 point 4): one event per ledger status change, with a cursor that
increases in commit order, written by the database itself.

Revision ID: 0029
Revises: 0028
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
