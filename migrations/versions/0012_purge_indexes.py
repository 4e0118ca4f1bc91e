"""purge indexes: a workspace's messages by age, and messages by stored file

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The nightly purge walks a workspace's expired messages oldest first; the
# file cleanup asks whether any message still names a file.
INDEXES = {
    'ix_message_workspace_created': ['workspace_id', 'created_at', 'id'],
    'ix_message_media_sha256': ['media_sha256'],
}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        with op.batch_alter_table('message', schema=None) as batch_op:
            for name, columns in INDEXES.items():
                batch_op.create_index(name, columns, unique=False)
        return
    # CONCURRENTLY: the message table is the largest; a plain build would hold
    # up every webhook's insert until it is done.
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            op.create_index(
                name, 'message', columns, postgresql_concurrently=True, if_not_exists=True
            )


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
