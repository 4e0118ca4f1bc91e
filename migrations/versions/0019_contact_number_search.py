"""contact numbers: one trigram index on an expression, none on the number columns

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:00:00

A trigram index on wa_id or phone_e164 also serves `=`, and PostgreSQL took it
for the drain's lookup of a batch's senders by number: 1.3 s for 200 numbers
among 5,000 contacts (phone numbers share most of their trigrams), where the
unique btree index answers in a millisecond. The number search ("170 12" finds
4917012…) reads this expression instead, so equality never meets a trigram
index (leadgate/inbox/search.py number_text; tests/test_lookup_plans.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# Written as inbox/search.py number_text() renders it: PostgreSQL uses an
# expression index only for the same expression.
NUMBER_TEXT = "(coalesce(wa_id, '') || ' ' || coalesce(phone_e164, ''))"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f'CREATE INDEX ix_contact_number_trgm ON contact USING gin ({NUMBER_TEXT} gin_trgm_ops)')
    op.execute('DROP INDEX IF EXISTS ix_contact_wa_id_trgm')
    op.execute('DROP INDEX IF EXISTS ix_contact_phone_e164_trgm')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE INDEX ix_contact_wa_id_trgm ON contact USING gin (wa_id gin_trgm_ops)')
    op.execute('CREATE INDEX ix_contact_phone_e164_trgm ON contact USING gin (phone_e164 gin_trgm_ops)')
    op.execute('DROP INDEX IF EXISTS ix_contact_number_trgm')
