"""Partner keys (issue 16 point 3): scoped keys acting for the district administrator who created
them, stored as a prefix and an HMAC of the secret.

Revision ID: 0028
Revises: 0027
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
