"""Device times: when a visit was started and completed on the device, each signature drawn, the device's
UTC offset, the server's receipt time and the clock skew seen at sync

Revision ID: e7a3c9d1f2b4
Revises: d5f9b2c3a4e6
Create Date: 2026-12-01 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c9d1f2b4'
down_revision = 'd5f9b2c3a4e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('device_utc_offset', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_utc_offset', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))
    # Until now the server's receipt was the only time kept: it is what these rows' receipt times are.
    op.execute("UPDATE visits SET received_at = created_at")
    op.execute("UPDATE signatures SET received_at = signed_at")


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('clock_skew_seconds')
        batch_op.drop_column('received_at')
        batch_op.drop_column('device_utc_offset')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('clock_skew_seconds')
        batch_op.drop_column('received_at')
        batch_op.drop_column('device_utc_offset')
        batch_op.drop_column('started_at')
