"""rules (Automationen): rules, their firings; conversations' waits for the time triggers

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 15:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# The waits whose time comes, per workspace, in time order (automation/timers.py).
# Partial: only conversations where someone waits, in the states that count.
WAIT_INDEXES = (
    ('ix_conversation_awaiting_agent', 'agent_wait_since',
     "state = 'open' AND agent_wait_since IS NOT NULL"),
    ('ix_conversation_awaiting_contact', 'contact_wait_since',
     "state IN ('open', 'pending') AND contact_wait_since IS NOT NULL"),
)


def upgrade():
    op.create_table('automation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('wait_minutes', sa.Integer(), nullable=True),
    sa.Column('conditions', JSON, nullable=False),
    sa.Column('actions', JSON, nullable=False),
    sa.Column('timer_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timer_after_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_automation_rule_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_automation_rule_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_rule'))
    )
    with op.batch_alter_table('automation_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_automation_rule_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('automation_firing',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('outcomes', JSON, nullable=False),
    sa.Column('period_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_automation_firing_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['automation_rule.id'], name=op.f('fk_automation_firing_rule_id_automation_rule'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_automation_firing_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_firing'))
    )
    with op.batch_alter_table('automation_firing', schema=None) as batch_op:
        batch_op.create_index('ix_automation_firing_rule_fired', ['rule_id', 'fired_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_automation_firing_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_automation_firing_workspace_id'), ['workspace_id'], unique=False)

    # Nullable columns: no table rewrite on PostgreSQL. Conversations that
    # exist start without a wait: they join the time triggers with their next
    # message.
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_wait_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact_wait_since', sa.DateTime(timezone=True), nullable=True))

    if op.get_bind().dialect.name != 'postgresql':
        for name, column, where in WAIT_INDEXES:
            op.create_index(name, 'conversation', ['workspace_id', column, 'id'], sqlite_where=sa.text(where))
        return
    # CONCURRENTLY: conversation takes every drain's inserts; a plain build would hold them up.
    with op.get_context().autocommit_block():
        for name, column, where in WAIT_INDEXES:
            op.create_index(
                name,
                'conversation',
                ['workspace_id', column, 'id'],
                postgresql_where=sa.text(where),
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade():
    for name, _column, _where in WAIT_INDEXES:
        op.drop_index(name, table_name='conversation')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('contact_wait_since')
        batch_op.drop_column('agent_wait_since')

    with op.batch_alter_table('automation_firing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_automation_firing_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_automation_firing_conversation_id'))
        batch_op.drop_index('ix_automation_firing_rule_fired')
    op.drop_table('automation_firing')

    with op.batch_alter_table('automation_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_automation_rule_workspace_id'))
    op.drop_table('automation_rule')
