"""A course's visits indexed by time: each citizen's last visit without reading the whole history

Revision ID: c5e1a7d3f9b4
Revises: b3d8f6a1c2e9
Create Date: 2026-12-07 06:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5e1a7d3f9b4'
down_revision = 'b3d8f6a1c2e9'
branch_labels = None
depends_on = None


def upgrade():
    # The new index begins with placement_id, so it serves the foreign key the old one served.
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_placement_performed', ['placement_id', 'performed_at'], unique=False)
        batch_op.drop_index('ix_visits_placement_id')


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_placement_id', ['placement_id'], unique=False)
        batch_op.drop_index('ix_visits_placement_performed')
