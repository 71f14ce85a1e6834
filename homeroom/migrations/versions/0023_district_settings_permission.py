"""Grant the two permissions Homeroom adds to the catalogue (issue 13) to the profiles that held
those powers before them, so an upgrade takes nothing away from the right people:

- "Communication District Settings" (district_settings, Edit) to every ADMIN profile named
  "District Administrator", the profile the seed and OneRoster give district administrators.
  School administrators' profiles do not get it: district-wide settings become theirs no more.
- "Send to Outside Addresses" (outside_recipients, Edit) to every ADMIN or TEACHER profile that
  holds "Send Messages", so staff keep Cc and CSV-imported recipients; parents' and students'
  profiles never get it (RCP-22).

Data only; the downgrade removes both grants.

Revision ID: 0023
Revises: 0022
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        INSERT INTO profile_grant (profile_id, permission, level)
        SELECT p.id, 'district_settings', 'EDIT' FROM profile p
        WHERE p.role = 'ADMIN' AND p.name = 'District Administrator'
          AND NOT EXISTS (SELECT 1 FROM profile_grant g
                          WHERE g.profile_id = p.id AND g.permission = 'district_settings')
    """)
    op.execute("""
        INSERT INTO profile_grant (profile_id, permission, level)
        SELECT p.id, 'outside_recipients', 'EDIT' FROM profile p
        WHERE p.role IN ('ADMIN', 'TEACHER')
          AND EXISTS (SELECT 1 FROM profile_grant s
                      WHERE s.profile_id = p.id AND s.permission = 'send_messages')
          AND NOT EXISTS (SELECT 1 FROM profile_grant g
                          WHERE g.profile_id = p.id AND g.permission = 'outside_recipients')
    """)


def downgrade() -> None:
    op.execute("DELETE FROM profile_grant WHERE permission IN ('district_settings', 'outside_recipients')")
