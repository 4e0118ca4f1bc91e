"""failed webhook drains (issue 13)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# The platform admin's page lists failed events newest first; a partial index
# stays as small as the (rare) failures, however large webhook_event grows.
FAILED_INDEX = 'ix_webhook_event_failed'
FAILED_ONLY = sa.text("state = 'failed'")


def upgrade():
    # Nullable columns and a constant default: no table rewrite on PostgreSQL.
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_class', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('failures', sa.Integer(), server_default='0', nullable=False)
        )
    if op.get_bind().dialect.name != 'postgresql':
        op.create_index(
            FAILED_INDEX, 'webhook_event', ['failed_at'], sqlite_where=FAILED_ONLY
        )
        return
    # CONCURRENTLY: webhook_event takes every POST; a plain build would hold them up.
    with op.get_context().autocommit_block():
        op.create_index(
            FAILED_INDEX,
            'webhook_event',
            ['failed_at'],
            postgresql_where=FAILED_ONLY,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    op.drop_index(FAILED_INDEX, table_name='webhook_event')
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.drop_column('failures')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('error_class')
