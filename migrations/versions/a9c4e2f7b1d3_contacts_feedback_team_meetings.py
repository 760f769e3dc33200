"""Contacts between visits (with the 24-hour answer), feedback on visits, team meetings, a course's own
hotline end

Revision ID: a9c4e2f7b1d3
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e2f7b1d3'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline_until', sa.Date(), nullable=True))
    op.create_table(
        'contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.Uuid(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('placement_id', sa.Integer(), nullable=True),
        sa.Column('party', sa.Enum('citizen', 'contact_person', name='contactparty', native_enum=False, length=20), nullable=False),
        sa.Column('contact_person_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.Enum('phone', 'sms', 'email', 'meeting', 'at_company', name='contactchannel', native_enum=False, length=20), nullable=False),
        sa.Column('came_in_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('about', sa.Text(), nullable=False),
        sa.Column('needs_answer', sa.Boolean(), nullable=False),
        sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answer_note', sa.Text(), nullable=True),
        sa.Column('answer_received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('device_utc_offset', sa.SmallInteger(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('clock_skew_seconds', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
        sa.ForeignKeyConstraint(['contact_person_id'], ['contact_persons.id'], ),
        sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], ),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid'),
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_came_in_at'), ['came_in_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_answer_due_at'), ['answer_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table(
        'visit_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=False),
        sa.Column('took_part', sa.Boolean(), nullable=False),
        sa.Column('feedback', sa.Text(), nullable=True),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('visit_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_feedback_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_feedback_given_by_id'), ['given_by_id'], unique=False)

    op.create_table(
        'team_meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('successes_discussed', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('team_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_meetings_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_meetings_held_on'), ['held_on'], unique=False)

    op.create_table(
        'team_meeting_citizens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('paid_hours_per_week', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
        sa.ForeignKeyConstraint(['meeting_id'], ['team_meetings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'citizen_id'),
    )
    with op.batch_alter_table('team_meeting_citizens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_meeting_citizens_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_meeting_citizens_citizen_id'), ['citizen_id'], unique=False)


def downgrade():
    op.drop_table('team_meeting_citizens')
    op.drop_table('team_meetings')
    op.drop_table('visit_feedback')
    op.drop_table('contacts')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('hotline_until')
