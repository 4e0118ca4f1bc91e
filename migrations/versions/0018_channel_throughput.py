"""each number's throughput level from Meta (issue 16)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns without defaults: no table rewrite on PostgreSQL. A number
    # connected before stays "unknown" (paced by WHATSAPP_RATE_PER_SECOND) until
    # the daily read or a connection test fills them in.
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('throughput_level', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('throughput_mps', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('throughput_checked_at', sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.drop_column('throughput_checked_at')
        batch_op.drop_column('throughput_mps')
        batch_op.drop_column('throughput_level')
