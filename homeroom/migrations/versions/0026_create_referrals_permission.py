"""Grant "Create Referrals" (create_referrals, Edit; issue 15, INB-09) to every ADMIN or TEACHER
profile that holds "Flag Messages", so staff who flag a student's message can ask for a referral
after an upgrade as they can on a fresh seed; parents' and students' profiles never get it.

Data only; the downgrade removes the grant.

Revision ID: 0026
Revises: 0025
"""
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        INSERT INTO profile_grant (profile_id, permission, level)
        SELECT p.id, 'create_referrals', 'EDIT' FROM profile p
        WHERE p.role IN ('ADMIN', 'TEACHER')
          AND EXISTS (SELECT 1 FROM profile_grant f
                      WHERE f.profile_id = p.id AND f.permission = 'flag_messages')
          AND NOT EXISTS (SELECT 1 FROM profile_grant g
                          WHERE g.profile_id = p.id AND g.permission = 'create_referrals')
    """)


def downgrade() -> None:
    op.execute("DELETE FROM profile_grant WHERE permission = 'create_referrals'")
