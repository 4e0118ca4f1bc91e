"""campaigns: stop notices by mail; a CSV import for one campaign, its label

- campaign.stop_notified_at: when owners and admins were mailed that the
  campaign stopped by itself;
- contact_import.campaign_id / label_id: an import made for a campaign's
  audience, and the label it gave every contact it wrote.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 19:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stop_notified_at', sa.DateTime(timezone=True), nullable=True))
    # Campaigns stopped before this change: their page already says why; no
    # mail now about a pause that may be days old.
    op.execute("UPDATE campaign SET stop_notified_at = CURRENT_TIMESTAMP WHERE paused_reason IS NOT NULL")
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('label_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contact_import_campaign_id_campaign'), 'campaign', ['campaign_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_contact_import_label_id_label'), 'label', ['label_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_import_label_id_label'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contact_import_campaign_id_campaign'), type_='foreignkey')
        batch_op.drop_column('label_id')
        batch_op.drop_column('campaign_id')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('stop_notified_at')
