"""Clean the HTML stored before Homeroom sanitised it (issue 13 point 8): message bodies and users'
email signatures go through the one policy (domain.content.html_policy) that new writes use, so the API
never hands a frontend a script, an event handler or a ``javascript:`` link stored earlier.
Emails were already cleaned when composed; this covers what the API returns.

Rows are read in id order, a thousand at a time, and only those that change are written.
Irreversible: the downgrade leaves the cleaned HTML as it is.

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

from domain.content.html_policy import sanitized_html

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BATCH = 1000


def _clean(table: str, column: str) -> None:
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(sa.text(
            f"SELECT id, {column} FROM {table} WHERE id > :last AND {column} IS NOT NULL ORDER BY id LIMIT :n"),
            {"last": last_id, "n": BATCH}).all()
        if not rows:
            return
        changed = [{"id": row_id, "html": cleaned} for row_id, html in rows
                   if (cleaned := sanitized_html(html)) != html]
        if changed:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :html WHERE id = :id"), changed)
        last_id = rows[-1][0]


def upgrade() -> None:
    _clean("message", "html_body")
    _clean("app_user", "email_signature")


def downgrade() -> None:
    pass
