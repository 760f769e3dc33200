"""Visits keep a hash of the body that gave them their content, so an identical replay is answered
without the form

Revision ID: b3d8f6a1c2e9
Revises: a9c4e2f7b1d3
Create Date: 2026-12-02 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d8f6a1c2e9'
down_revision = 'a9c4e2f7b1d3'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for stored visits: their next replay goes through the form once, as before.
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('submission_hash')
