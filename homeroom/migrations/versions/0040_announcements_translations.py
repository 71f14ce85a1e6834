"""Announcements and translations (issue 19): the announcement and what targets it (profiles,
schools, grade levels, sections), its files, its postings (one per announcement and posting number,
unique: the queue posts each once), and one text per language for messages, templates and
announcements. The district gets its translation setting (TRN-01) and its glossary of names never
translated; existing districts keep the display-language setting and an empty glossary.

Revision ID: 0040
Revises: 0039
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=True),
    sa.Column('student_contacts', sa.String(length=20), nullable=True),
    sa.Column('family_seed', sa.Integer(), nullable=False),
    sa.Column('push', sa.Boolean(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('class_announcement', sa.Boolean(), nullable=False),
    sa.Column('email_subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('email_html_body', sa.Text(), nullable=True),
    sa.Column('sms_text', sa.Text(), nullable=True),
    sa.Column('call_text', sa.Text(), nullable=True),
    sa.Column('posting_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_active', ['deleted_at', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_author_id'), ['author_id'], unique=False)

    op.create_table('announcement_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('announcement_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_attachment_announcement_id'), ['announcement_id'], unique=False)

    op.create_table('announcement_grade_level',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('grade_level', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.PrimaryKeyConstraint('announcement_id', 'grade_level')
    )
    op.create_table('announcement_profile',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], ),
    sa.PrimaryKeyConstraint('announcement_id', 'profile_id')
    )
    with op.batch_alter_table('announcement_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_profile_profile_id'), ['profile_id'], unique=False)

    op.create_table('announcement_school',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('announcement_id', 'school_id')
    )
    with op.batch_alter_table('announcement_school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_school_school_id'), ['school_id'], unique=False)

    op.create_table('announcement_section',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], ),
    sa.PrimaryKeyConstraint('announcement_id', 'section_id')
    )
    with op.batch_alter_table('announcement_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_section_section_id'), ['section_id'], unique=False)

    op.create_table('announcement_translation',
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('email_subject', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('email_html_body', sa.Text(), nullable=True),
    sa.Column('sms_text', sa.Text(), nullable=True),
    sa.Column('call_text', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.PrimaryKeyConstraint('announcement_id', 'language')
    )
    op.create_table('template_translation',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('sms_text', sa.Text(), nullable=True),
    sa.Column('call_text', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['message_template.id'], ),
    sa.PrimaryKeyConstraint('template_id', 'language')
    )
    op.create_table('announcement_posting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('posting_number', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('announcement_id', 'posting_number', name='uq_announcement_posting'),
    sa.UniqueConstraint('message_id')
    )
    op.create_table('message_translation',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('text_body', sa.Text(), nullable=True),
    sa.Column('sms_text', sa.Text(), nullable=True),
    sa.Column('call_text', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('message_id', 'language')
    )
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation_language_source', sa.String(length=32), nullable=False,
                                      server_default='DISPLAY_LANGUAGE'))
        batch_op.add_column(sa.Column('translation_glossary', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_column('translation_glossary')
        batch_op.drop_column('translation_language_source')

    op.drop_table('message_translation')
    op.drop_table('announcement_posting')
    op.drop_table('template_translation')
    op.drop_table('announcement_translation')
    with op.batch_alter_table('announcement_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_section_section_id'))

    op.drop_table('announcement_section')
    with op.batch_alter_table('announcement_school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_school_school_id'))

    op.drop_table('announcement_school')
    with op.batch_alter_table('announcement_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_profile_profile_id'))

    op.drop_table('announcement_profile')
    op.drop_table('announcement_grade_level')
    with op.batch_alter_table('announcement_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_attachment_announcement_id'))

    op.drop_table('announcement_attachment')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_author_id'))
        batch_op.drop_index('ix_announcement_active')

    op.drop_table('announcement')
