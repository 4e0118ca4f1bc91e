"""contacts, custom fields, imports and lead forms

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 04:00:11

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_contact_field_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_field')),
    sa.UniqueConstraint('workspace_id', 'key', name='uq_contact_field_workspace_key')
    )
    with op.batch_alter_table('contact_field', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_field_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('contact_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('invalid_rows', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_contact_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_contact_import_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_import'))
    )
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_import_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('contact_label',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_label_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['label_id'], ['label.id'], name=op.f('fk_contact_label_label_id_label'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'label_id', name=op.f('pk_contact_label'))
    )
    with op.batch_alter_table('contact_label', schema=None) as batch_op:
        batch_op.create_index('ix_contact_label_label', ['label_id', 'contact_id'], unique=False)

    op.create_table('lead_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=True),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('success_text', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_lead_form_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_lead_form_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_form')),
    sa.UniqueConstraint('slug', name=op.f('uq_lead_form_slug'))
    )
    with op.batch_alter_table('lead_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_form_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('lead_submission',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=True),
    sa.Column('page_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_lead_submission_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['form_id'], ['lead_form.id'], name=op.f('fk_lead_submission_form_id_lead_form'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_lead_submission_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_submission'))
    )
    with op.batch_alter_table('lead_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_submission_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_submission_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_submission_form_id'), ['form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_submission_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('marketing_consent', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_contact_workspace_created', ['workspace_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_contact_workspace_phone', ['workspace_id', 'phone_e164'], unique=False)

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_submission_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conversation_lead_submission_id_lead_submission'), 'lead_submission', ['lead_submission_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_region', sa.String(length=2), server_default='DE', nullable=False))
        batch_op.add_column(sa.Column('opt_out_reply', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('privacy_url', sa.String(length=500), nullable=True))

    # Numbers known so far are WhatsApp ids: the same digits in E.164.
    op.execute("UPDATE contact SET phone_e164 = '+' || wa_id WHERE wa_id IS NOT NULL")
    # The list filter reads the latest marketing record of each contact.
    op.execute(
        "UPDATE contact SET marketing_consent = ("
        " SELECT r.action FROM consent_record r"
        " WHERE r.contact_id = contact.id AND r.purpose = 'whatsapp_marketing'"
        " ORDER BY r.id DESC LIMIT 1)"
    )


def downgrade():
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('privacy_url')
        batch_op.drop_column('consent_text')
        batch_op.drop_column('opt_out_reply')
        batch_op.drop_column('phone_region')

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversation_lead_submission_id_lead_submission'), type_='foreignkey')
        batch_op.drop_column('lead_submission_id')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_workspace_phone')
        batch_op.drop_index('ix_contact_workspace_created')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('marketing_consent')
        batch_op.drop_column('attributes')
        batch_op.drop_column('email')
        batch_op.drop_column('name')
        batch_op.drop_column('phone_e164')

    with op.batch_alter_table('lead_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_submission_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_lead_submission_form_id'))
        batch_op.drop_index(batch_op.f('ix_lead_submission_created_at'))
        batch_op.drop_index(batch_op.f('ix_lead_submission_contact_id'))

    op.drop_table('lead_submission')
    with op.batch_alter_table('lead_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_form_workspace_id'))

    op.drop_table('lead_form')
    with op.batch_alter_table('contact_label', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_label_label')

    op.drop_table('contact_label')
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_import_workspace_id'))

    op.drop_table('contact_import')
    with op.batch_alter_table('contact_field', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_field_workspace_id'))

    op.drop_table('contact_field')
