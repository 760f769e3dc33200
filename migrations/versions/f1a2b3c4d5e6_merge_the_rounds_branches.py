"""Merge the branches of this round: background jobs, Digital Post, server-side sessions, single sign-on

Revision ID: f1a2b3c4d5e6
Revises: be255808176c, e7a3c5d9f1b2, 49e61960e1b1, 0817e129bbf8
Create Date: 2026-12-02 00:20:00.000000

"""

# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = ('be255808176c', 'e7a3c5d9f1b2', '49e61960e1b1', '0817e129bbf8')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
