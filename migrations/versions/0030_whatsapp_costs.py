"""WhatsApp costs: priced messages (report_pricing), Meta's rates, budgets, notices

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 10:00:00

"""
from datetime import date
from decimal import Decimal

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# Meta's per-message rates in EUR, as far as a published figure was found.
# Germany: Meta's EUR rate card effective 1 July 2025 (per-message pricing),
# as quoted by charles ("WhatsApp Business Pricing 2025 Explained",
# https://www.hello-charles.com/blog/whatsapp-business-pricing-2025-explained-the-ultimative-guide):
# marketing €0.1131, utility €0.0456, authentication €0.0456 (service €0: free).
# Austria, Switzerland and the other EU countries: no published per-message EUR
# figure was found, so none is seeded; the page says "kein Tarif hinterlegt"
# for them until the platform admin enters Meta's rate (Admin → WhatsApp-Tarife).
SOURCE = 'Meta EUR rate card 2025-07-01, quoted by hello-charles.com'
RATES = [
    ('marketing', 'DE', '0.1131'),
    ('utility', 'DE', '0.0456'),
    ('authentication', 'DE', '0.0456'),
]


def upgrade():
    op.create_table(
        'report_pricing',
        sa.Column('id', BIG_ID, primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('message_key', sa.String(32), nullable=False),
        sa.Column('channel_id', sa.Integer(), sa.ForeignKey('channel.id', ondelete='SET NULL'), nullable=True),
        sa.Column('campaign_id', sa.Integer(), sa.ForeignKey('campaign.id', ondelete='SET NULL'), nullable=True),
        sa.Column('template_id', sa.Integer(), sa.ForeignKey('message_template.id', ondelete='SET NULL'), nullable=True),
        sa.Column('country', sa.String(2), nullable=True),
        sa.Column('category', sa.String(32), nullable=False),
        sa.Column('pricing_type', sa.String(32), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.UniqueConstraint('workspace_id', 'message_key', name='uq_report_pricing_workspace_message'),
    )
    op.create_index('ix_report_pricing_workspace_sent_on', 'report_pricing', ['workspace_id', 'sent_on'])
    rates = op.create_table(
        'whatsapp_rate',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('category', sa.String(32), nullable=False),
        sa.Column('country', sa.String(2), nullable=False),
        sa.Column('eur', sa.Numeric(10, 4), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('source', sa.String(255), nullable=True),
        sa.UniqueConstraint('category', 'country', 'valid_from', name='uq_whatsapp_rate_key'),
    )
    op.create_table(
        'whatsapp_budget',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('monthly_eur', sa.Numeric(12, 2), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('workspace_id', name='uq_whatsapp_budget_workspace_id'),
    )
    op.create_table(
        'whatsapp_budget_notice',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspace.id', ondelete='CASCADE'), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('workspace_id', 'month', 'percent', name='uq_whatsapp_budget_notice'),
    )
    op.bulk_insert(rates, [
        {'category': category, 'country': country, 'eur': Decimal(eur),
         'valid_from': date(2025, 7, 1), 'source': SOURCE}
        for category, country, eur in RATES
    ])


def downgrade():
    op.drop_table('whatsapp_budget_notice')
    op.drop_table('whatsapp_budget')
    op.drop_table('whatsapp_rate')
    op.drop_index('ix_report_pricing_workspace_sent_on', table_name='report_pricing')
    op.drop_table('report_pricing')
