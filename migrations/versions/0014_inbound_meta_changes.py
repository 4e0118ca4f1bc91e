"""inbound Meta changes: calls, coexistence echoes, history, groups (issue 13)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


# Nothing to change in the schema: a call is a message row (type "call", its call
# id as wamid, so the unique (channel_id, wamid) keeps it once), an app message
# (echo or history) is a message row with details.origin, and group items are
# channel events. The revision stays so the chain 0013 -> 0015 is unbroken.


def upgrade():
    pass


def downgrade():
    pass
