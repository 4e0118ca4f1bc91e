"""Rules (Automationen): when something happens, if conditions hold, then actions.

A workspace's rules run in `position` order. `trigger` is one of TRIGGERS;
the time triggers wait `wait_minutes` (automation/timers.py). `conditions` and
`actions` are small JSON lists of {"kind": …, …} documents, read and written
whole by the rule form (automation/catalog.py names every kind and its keys).

Each time a rule fires for a conversation, one RuleFiring row records it: the
rule, the conversation, the trigger, how deep in a chain of rule actions it
fired, and each action with its outcome, as keys ("add_label": "done",
"send_text": "window_closed"): ids and keys only, never a text.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import BigId, Json, utcnow

RULE_NAME_LENGTH = 120
# When a rule runs ("wenn"), in the order the form offers them.
MESSAGE_RECEIVED = "message_received"
CONVERSATION_OPENED = "conversation_opened"  # created or reopened
LEAD_SUBMITTED = "lead_submitted"
ASSIGNED = "conversation_assigned"
STATE_CHANGED = "state_changed"
NO_AGENT_ANSWER = "no_agent_answer"  # after wait_minutes
NO_CONTACT_ANSWER = "no_contact_answer"  # after wait_minutes (asked in hours)
TRIGGERS = (
    MESSAGE_RECEIVED,
    CONVERSATION_OPENED,
    LEAD_SUBMITTED,
    ASSIGNED,
    STATE_CHANGED,
    NO_AGENT_ANSWER,
    NO_CONTACT_ANSWER,
)
TIME_TRIGGERS = (NO_AGENT_ANSWER, NO_CONTACT_ANSWER)
# A time trigger's wait: the Conversation column it began at, and the states
# it counts in (models/conversations.py keeps the columns and their indexes).
WAITS = {
    NO_AGENT_ANSWER: ("agent_wait_since", ("open",)),
    NO_CONTACT_ANSWER: ("contact_wait_since", ("open", "pending")),
}


class Rule(Model):
    __tablename__ = "automation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(RULE_NAME_LENGTH))
    enabled: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sa_true()
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    trigger: Mapped[str] = mapped_column(String(32))
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[list] = mapped_column(Json, default=list)
    actions: Mapped[list] = mapped_column(Json, default=list)
    # A time trigger's cursor: every conversation whose wait began at or before
    # (timer_since, timer_after_id), in that order, was looked at. Set to "now
    # minus the wait" when the rule is switched on or its wait changes, so a
    # rule acts on waits that end from then on, not on the backlog at once.
    timer_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timer_after_id: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class RuleFiring(Model):
    """One rule fired for one conversation: what it did and how that went (keys)."""

    __tablename__ = "automation_firing"
    __table_args__ = (
        # The rule's page: its last firings, newest first.
        Index("ix_automation_firing_rule_fired", "rule_id", "fired_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("automation_rule.id", ondelete="CASCADE")
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(32))
    # 0: an agent's, a contact's or the clock's change; n: the n-th rule in a chain.
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # [[action kind, outcome key], …] in the rule's order.
    outcomes: Mapped[list] = mapped_column(Json, default=list)
    # A time trigger's waiting period (when the wait began): fired once per period.
    period_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
