"""Machine translation at fan-out (issue 19, TRN-01): an index on a student's own accounts
(app_user.student_id), which the recipient resolution reads for every student it resolves: the
display language of setting 1, the inbox and push. Without it PostgreSQL scanned every account per
student.

Revision ID: 0041
Revises: 0040
"""
from alembic import op


revision = "0041"
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_student_id'), ['student_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_student_id'))
