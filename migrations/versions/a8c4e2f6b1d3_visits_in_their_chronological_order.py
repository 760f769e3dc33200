"""A course's visits indexed in their one order: its latest visit that reported hours in one step

Revision ID: a8c4e2f6b1d3
Revises: c5e1a7d3f9b4
Create Date: 2026-12-07 08:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a8c4e2f6b1d3'
down_revision = 'c5e1a7d3f9b4'
branch_labels = None
depends_on = None


def upgrade():
    # Visit.chronological(): performed, then completed (else performed), then stored. The index it
    # replaces had the first column only, so visits sharing a time were sorted on every save.
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(
            'ix_visits_placement_chronological',
            ['placement_id', 'performed_at', sa.text('coalesce(completed_at, performed_at)'), 'id'],
            unique=False,
        )
        batch_op.drop_index('ix_visits_placement_performed')


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_placement_performed', ['placement_id', 'performed_at'], unique=False)
        batch_op.drop_index('ix_visits_placement_chronological')
