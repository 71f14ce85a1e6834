"""OneRoster identities: school years and contacts carry a sourcedId

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 18:30:00

A school year is matched by its academicSession sourcedId. A contact is matched by the sourcedId
of the OneRoster agent it came from, unique per student, so re-importing a bundle updates the card
entry instead of adding a second one.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('school_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sqlmodel.sql.sqltypes.AutoString(length=100),
                                      nullable=True))
        batch_op.create_unique_constraint('school_year_sourced_id_key', ['sourced_id'])

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sqlmodel.sql.sqltypes.AutoString(length=100),
                                      nullable=True))
        batch_op.create_unique_constraint('uq_contact_student_sourced_id',
                                          ['student_id', 'sourced_id'])


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint('uq_contact_student_sourced_id', type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('school_year', schema=None) as batch_op:
        batch_op.drop_constraint('school_year_sourced_id_key', type_='unique')
        batch_op.drop_column('sourced_id')
