"""search: one full-text document per conversation instead of an index over messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 02:40:00

A search for a common word matched tens of thousands of messages, each fetched
to find its conversation (benchmarks/inbox_scale.py: p95 176 ms). The list
wants conversations: their documents are GIN-indexed and far fewer.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

MESSAGE_DOCUMENT = "to_tsvector('simple', coalesce(text, '') || ' ' || coalesce(caption, ''))"


def upgrade():
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_document', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=True))
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "UPDATE conversation SET search_document = d.document FROM ("
        "  SELECT conversation_id, strip(to_tsvector('simple', string_agg("
        "    coalesce(text, '') || ' ' || coalesce(caption, ''), ' '))) AS document"
        "  FROM message WHERE direction IN ('in', 'out', 'note') GROUP BY conversation_id"
        ") d WHERE d.conversation_id = conversation.id"
    )
    op.execute('CREATE INDEX ix_conversation_search_document ON conversation USING gin (search_document)')
    op.execute('CREATE INDEX ix_contact_username_trgm ON contact USING gin (username gin_trgm_ops)')
    op.execute('DROP INDEX IF EXISTS ix_message_text_search')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE INDEX ix_message_text_search ON message USING gin ({MESSAGE_DOCUMENT})')
        op.execute('DROP INDEX IF EXISTS ix_contact_username_trgm')
        op.execute('DROP INDEX IF EXISTS ix_conversation_search_document')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('search_document')
