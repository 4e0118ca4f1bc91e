"""outbound Meta changes: held/paused templates, marketing limit, BSUID sends (issue 13)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:00:00

No schema change is needed, deliberately: the new outbound states are values
of the existing message.status column (String(16)): "held" (Meta's
held_for_quality_assessment), "paused" (waiting for a paused template) and
"limited" (Meta's marketing limit, 131049), and message_template.status and
.reason already carry PAUSED/DISABLED with Meta's words. A message's template
is found by the template_id its details JSON carries; the few unsent messages
are reached through ix_message_status_next_attempt. BSUID sends use
contact.bsuid (0002). The revision stays so the chain is whole.
"""


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
