"""Background jobs: one summary per visit, the summary's last error, a delivery's claim

Revision ID: be255808176c
Revises: e7a3c9d1f2b4 (device times)
Create Date: 2026-12-01 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be255808176c'
down_revision = 'e7a3c9d1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_error', sa.Text(), nullable=True))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
    # No path ever stored a second summary of a visit (the summary was made under a row lock), so the
    # unique index holds for existing data.
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_visit_id')
        batch_op.create_index('ix_documents_visit_id', ['visit_id'], unique=True)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_visit_id')
        batch_op.create_index('ix_documents_visit_id', ['visit_id'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('summary_error')
