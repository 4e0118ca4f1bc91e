"""send attempts: when the request was let go (a killed worker's unsent claims come back)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:25:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('send_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))
    # Attempts in flight at the upgrade may have reached Meta: in doubt, as before.
    op.execute("UPDATE send_attempt SET requested_at = started_at WHERE outcome IS NULL")


def downgrade():
    with op.batch_alter_table('send_attempt', schema=None) as batch_op:
        batch_op.drop_column('requested_at')
