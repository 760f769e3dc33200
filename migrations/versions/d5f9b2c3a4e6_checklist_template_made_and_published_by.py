"""Checklist template: who made the version and who published it

Revision ID: d5f9b2c3a4e6
Revises: c4e8a1f2b3d5
Create Date: 2026-11-23 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5f9b2c3a4e6'
down_revision = 'c4e8a1f2b3d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checklist_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_checklist_templates_created_by_id_users'), 'users', ['created_by_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_checklist_templates_published_by_id_users'), 'users', ['published_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('checklist_templates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checklist_templates_published_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_checklist_templates_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('created_by_id')
