"""routing: automatic assignment per team, agents' status per membership

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Waiting conversations (open, nobody assigned) of a team, oldest first: what
# assignment and the backlog pick-up look for. Partial, so it stays as small as
# the backlog however many resolved conversations a team collects.
WAITING_INDEX = 'ix_conversation_waiting'
WAITING_ONLY = sa.text("state = 'open' AND assignee_id IS NULL")


def upgrade():
    # Nullable columns or constant defaults only: no table rewrite on PostgreSQL.
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_mode', sa.String(length=16), server_default='off', nullable=False))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('sticky', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_assigned_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_team_last_assigned_user_id_user'), 'user', ['last_assigned_user_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_assigned_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='offline', nullable=False))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conversation_last_assignee_id_user'), 'user', ['last_assignee_id'], ['id'], ondelete='SET NULL')

    if op.get_bind().dialect.name != 'postgresql':
        op.create_index(
            WAITING_INDEX,
            'conversation',
            ['team_id', 'last_activity_at', 'id'],
            sqlite_where=WAITING_ONLY,
        )
        return
    # CONCURRENTLY: conversation takes every drain's inserts; a plain build would hold them up.
    with op.get_context().autocommit_block():
        op.create_index(
            WAITING_INDEX,
            'conversation',
            ['team_id', 'last_activity_at', 'id'],
            postgresql_where=WAITING_ONLY,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    op.drop_index(WAITING_INDEX, table_name='conversation')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversation_last_assignee_id_user'), type_='foreignkey')
        batch_op.drop_column('last_assignee_id')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status')

    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_column('last_assigned_at')
        batch_op.drop_column('capacity')

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_team_last_assigned_user_id_user'), type_='foreignkey')
        batch_op.drop_column('last_assigned_user_id')
        batch_op.drop_column('sticky')
        batch_op.drop_column('capacity')
        batch_op.drop_column('assignment_mode')
