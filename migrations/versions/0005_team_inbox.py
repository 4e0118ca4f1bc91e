"""team inbox: assignment, snooze, labels, per-agent read state, canned responses, search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The same expression as leadgate/inbox/search.py, so PostgreSQL uses the index.
MESSAGE_DOCUMENT = "to_tsvector('simple', coalesce(text, '') || ' ' || coalesce(caption, ''))"


def upgrade():
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('inbound_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key('fk_conversation_assignee_id_user', 'user', ['assignee_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_index('ix_conversation_workspace_last_activity')
        batch_op.create_index('ix_conversation_workspace_last_activity', ['workspace_id', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_conversation_workspace_state_activity', ['workspace_id', 'state', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_conversation_workspace_assignee_activity', ['workspace_id', 'assignee_id', 'last_activity_at', 'id'], unique=False)
    # Notes and timeline events live in the thread as messages of their own kind.
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.alter_column('direction', existing_type=sa.String(length=3), type_=sa.String(length=8), existing_nullable=False)
    # Conversations from before count their contact's messages once.
    op.execute(
        "UPDATE conversation SET inbound_count = (SELECT count(*) FROM message "
        "WHERE message.conversation_id = conversation.id AND message.direction = 'in')"
    )

    op.create_table('label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('color', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_label_workspace_name')
    )
    with op.batch_alter_table('label', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_label_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('conversation_label',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['label_id'], ['label.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'label_id')
    )
    with op.batch_alter_table('conversation_label', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_label_label', ['label_id', 'conversation_id'], unique=False)

    op.create_table('conversation_read',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('inbound_seen', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id')
    )
    with op.batch_alter_table('conversation_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_read_user_id'), ['user_id'], unique=False)

    op.create_table('canned_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('shortcut', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'shortcut', name='uq_canned_response_workspace_shortcut')
    )
    with op.batch_alter_table('canned_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_response_workspace_id'), ['workspace_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # Search: trigram indexes for name and number (substring matches) and a
        # full-text index over message texts. SQLite searches with LIKE instead.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_contact_profile_name_trgm ON contact USING gin (profile_name gin_trgm_ops)')
        op.execute('CREATE INDEX ix_contact_wa_id_trgm ON contact USING gin (wa_id gin_trgm_ops)')
        op.execute(f'CREATE INDEX ix_message_text_search ON message USING gin ({MESSAGE_DOCUMENT})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_message_text_search')
        op.execute('DROP INDEX IF EXISTS ix_contact_wa_id_trgm')
        op.execute('DROP INDEX IF EXISTS ix_contact_profile_name_trgm')
    op.drop_table('canned_response')
    op.drop_table('conversation_read')
    op.drop_table('conversation_label')
    op.drop_table('label')
    op.execute("DELETE FROM message WHERE direction IN ('note', 'event')")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.alter_column('direction', existing_type=sa.String(length=8), type_=sa.String(length=3), existing_nullable=False)
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_workspace_assignee_activity')
        batch_op.drop_index('ix_conversation_workspace_state_activity')
        batch_op.drop_index('ix_conversation_workspace_last_activity')
        batch_op.create_index('ix_conversation_workspace_last_activity', ['workspace_id', 'last_activity_at'], unique=False)
        batch_op.drop_constraint('fk_conversation_assignee_id_user', type_='foreignkey')
        batch_op.drop_column('inbound_count')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('snoozed_until')
