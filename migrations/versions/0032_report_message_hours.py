"""report facts: messages in and out per hour, number and team (counts only)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-08 02:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_message_hour',
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('direction', sa.String(3), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', 'channel_id', 'team_id', 'hour', 'direction', name='pk_report_message_hour'),
    )
    op.create_index('ix_report_message_hour_workspace_hour', 'report_message_hour', ['workspace_id', 'hour'])


def downgrade():
    op.drop_index('ix_report_message_hour_workspace_hour', table_name='report_message_hour')
    op.drop_table('report_message_hour')
