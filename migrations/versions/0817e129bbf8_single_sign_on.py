"""Single sign-on: open SAML requests; the IdP's subject and the waiting state on users; method and reason on log-in attempts

Revision ID: 0817e129bbf8
Revises: e7a3c9d1f2b4
Create Date: 2026-12-01 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0817e129bbf8'
down_revision = 'e7a3c9d1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saml_requests',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('next_url', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_requests')),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column('awaiting_approval', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_unique_constraint(batch_op.f('uq_users_sso_subject'), ['sso_subject'])
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('method', sa.String(length=16), server_default='password', nullable=False)
        )
        batch_op.add_column(sa.Column('reason', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('method')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_sso_subject'), type_='unique')
        batch_op.drop_column('awaiting_approval')
        batch_op.drop_column('sso_subject')
    op.drop_table('saml_requests')
