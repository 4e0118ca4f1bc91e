"""report keys: the per-workspace secret behind the reports' pseudonyms

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 02:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_key',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('workspace_id', name='uq_report_key_workspace_id'),
    )


def downgrade():
    op.drop_table('report_key')
