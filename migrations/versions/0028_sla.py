"""first-response target (SLA) per team; conversations' due moment; breaches

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 23:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# The answers due and not yet marked breached: what the minute's sweep reads.
DUE = "sla_due_at IS NOT NULL AND sla_breached_at IS NULL"


def upgrade():
    with op.batch_alter_table('team') as batch:
        batch.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('conversation') as batch:
        batch.add_column(sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('sla_breached_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_conversation_sla_due', 'conversation', ['sla_due_at', 'id'],
        postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE),
    )
    op.create_table(
        'sla_breach',
        sa.Column('id', BIG_ID, primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('team_id', sa.Integer(), sa.ForeignKey('team.id', ondelete='SET NULL'), nullable=True),
        sa.Column('conversation_id', sa.Integer(), sa.ForeignKey('conversation.id', ondelete='CASCADE'), nullable=False),
        sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('target_minutes', sa.Integer(), nullable=False),
        sa.Column('breached_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('conversation_id', 'due_at', name='uq_sla_breach_conversation_due'),
    )
    op.create_index('ix_sla_breach_workspace_breached', 'sla_breach', ['workspace_id', 'breached_at'])


def downgrade():
    op.drop_index('ix_sla_breach_workspace_breached', table_name='sla_breach')
    op.drop_table('sla_breach')
    op.drop_index('ix_conversation_sla_due', table_name='conversation')
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('sla_breached_at')
        batch.drop_column('sla_due_at')
        batch.drop_column('first_answered_at')
    with op.batch_alter_table('team') as batch:
        batch.drop_column('first_response_minutes')
