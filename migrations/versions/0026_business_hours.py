"""business hours: per team or number, closures, holidays; welcome and away replies

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 12:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    # Constant defaults and nullable columns only: no table rewrite on PostgreSQL.
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='Europe/Berlin', nullable=False))
        batch_op.add_column(sa.Column('holiday_region', sa.String(length=8), nullable=True))

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_replies_off', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('business_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('week', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(team_id IS NULL) <> (channel_id IS NULL)', name=op.f('ck_business_hours_team_or_number')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_business_hours_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_business_hours_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_business_hours_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_hours')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_business_hours_channel_id')),
    sa.UniqueConstraint('team_id', name=op.f('uq_business_hours_team_id'))
    )
    with op.batch_alter_table('business_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_hours_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('business_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('hours_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_business_closure_ordered_days')),
    sa.ForeignKeyConstraint(['hours_id'], ['business_hours.id'], name=op.f('fk_business_closure_hours_id_business_hours'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_business_closure_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_closure'))
    )
    with op.batch_alter_table('business_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_closure_hours_id'), ['hours_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_business_closure_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('auto_reply_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('welcome_on', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('away_on', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('second_language', sa.String(length=8), nullable=True),
    sa.Column('welcome_text', sa.Text(), nullable=False),
    sa.Column('welcome_text_second', sa.Text(), nullable=True),
    sa.Column('away_text', sa.Text(), nullable=False),
    sa.Column('away_text_second', sa.Text(), nullable=True),
    sa.Column('period_hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_auto_reply_settings_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auto_reply_settings')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_auto_reply_settings_workspace_id'))
    )

    op.create_table('auto_reply_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_auto_reply_sent_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_auto_reply_sent_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auto_reply_sent')),
    sa.UniqueConstraint('contact_id', 'kind', name='uq_auto_reply_sent_contact_kind')
    )
    with op.batch_alter_table('auto_reply_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auto_reply_sent_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('auto_reply_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auto_reply_sent_workspace_id'))
    op.drop_table('auto_reply_sent')
    op.drop_table('auto_reply_settings')
    with op.batch_alter_table('business_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_closure_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_business_closure_hours_id'))
    op.drop_table('business_closure')
    with op.batch_alter_table('business_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_hours_workspace_id'))
    op.drop_table('business_hours')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_column('auto_replies_off')
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('holiday_region')
        batch_op.drop_column('time_zone')
