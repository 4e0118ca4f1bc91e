"""restriction of processing (Art. 18 GDPR): its reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('restricted_reason')
