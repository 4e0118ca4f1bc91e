"""consent ledger and opt-out/opt-in keywords

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 03:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPT_OUT = "STOP, STOPP, ABMELDEN, ABBESTELLEN, UNSUBSCRIBE"


def upgrade():
    op.create_table('consent_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('wording', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index('ix_consent_record_contact_purpose', ['contact_id', 'purpose', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_record_workspace_id'), ['workspace_id'], unique=False)
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opt_out_keywords', sa.String(length=500), server_default=OPT_OUT, nullable=False))
        batch_op.add_column(sa.Column('opt_in_keywords', sa.String(length=500), server_default='START', nullable=False))


def downgrade():
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('opt_in_keywords')
        batch_op.drop_column('opt_out_keywords')
    op.drop_table('consent_record')
