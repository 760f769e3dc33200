"""Signature recorded as consent (for a signer who cannot draw)

Revision ID: 9b1f0c2d7e4a
Revises: 6d9281b9e53d
Create Date: 2026-11-23 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b1f0c2d7e4a'
down_revision = '6d9281b9e53d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_signatures_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signatures_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('consent_note')
