"""contact search: trigram indexes for the names, emails and numbers the team types

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# PostgreSQL only: "%text%" searches on SQLite scan a demo-sized table.
INDEXES = {
    'ix_contact_name_trgm': 'name',
    'ix_contact_email_trgm': 'email',
    'ix_contact_phone_e164_trgm': 'phone_e164',
}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for index, column in INDEXES.items():
        op.execute(f'CREATE INDEX {index} ON contact USING gin ({column} gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for index in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {index}')
