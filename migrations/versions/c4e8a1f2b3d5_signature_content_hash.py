"""Signature: the content hash of what was signed

Revision ID: c4e8a1f2b3d5
Revises: 9b1f0c2d7e4a
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f2b3d5'
down_revision = '9b1f0c2d7e4a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
    # Signatures given before this revision are taken as given for the content the visit holds now:
    # the best that is known of them.
    op.execute(
        "UPDATE signatures SET content_hash = "
        "(SELECT visits.content_hash FROM visits WHERE visits.id = signatures.visit_id)"
    )


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('content_hash')
