"""report facts: one row per conversation from opening to resolution

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 02:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'report_conversation',
        sa.Column('id', BIG_ID, primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('channel_id', sa.Integer(), sa.ForeignKey('channel.id', ondelete='SET NULL'), nullable=True),
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('team.id', ondelete='SET NULL'), nullable=True),
        sa.Column('contact_key', sa.String(32), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reopened', sa.Boolean(), nullable=False),
        sa.Column('new_contact', sa.Boolean(), nullable=False),
        sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('first_response_seconds', sa.Integer(), nullable=True),
        sa.Column('responder_id', sa.Integer(), sa.ForeignKey('user.id', ondelete='SET NULL'), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolution_seconds', sa.Integer(), nullable=True),
        sa.Column('resolver_id', sa.Integer(), sa.ForeignKey('user.id', ondelete='SET NULL'), nullable=True),
    )
    op.create_index('ix_report_conversation_workspace_opened', 'report_conversation', ['workspace_id', 'opened_at'])
    op.create_index('ix_report_conversation_contact', 'report_conversation', ['workspace_id', 'contact_key', 'channel_id'])


def downgrade():
    op.drop_index('ix_report_conversation_contact', table_name='report_conversation')
    op.drop_index('ix_report_conversation_workspace_opened', table_name='report_conversation')
    op.drop_table('report_conversation')
