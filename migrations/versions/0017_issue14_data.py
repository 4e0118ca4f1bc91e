"""objection taken back, merged conversations, import modes (issue 14)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # How an import treats values a known contact already has: "fill" only
    # fills empty fields (the default, so a team's corrections stay), or
    # "overwrite". A constant default: no table rewrite on PostgreSQL.
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'update_mode', sa.String(length=16), server_default='fill', nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.drop_column('update_mode')
