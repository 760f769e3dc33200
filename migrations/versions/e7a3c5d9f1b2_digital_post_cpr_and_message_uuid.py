"""Digital Post: the citizen's encrypted CPR number and each delivery's MeMo messageUUID

Revision ID: e7a3c5d9f1b2
Revises: e7a3c9d1f2b4
Create Date: 2026-12-01 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c5d9f1b2'
down_revision = 'e7a3c9d1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cpr_encrypted', sa.Text(), nullable=True))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_uuid', sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_deliveries_message_uuid'), ['message_uuid'])


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_deliveries_message_uuid'), type_='unique')
        batch_op.drop_column('message_uuid')
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_column('cpr_encrypted')
