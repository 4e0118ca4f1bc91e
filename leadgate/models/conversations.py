"""Conversations: one contact on one number, with the team's state and who read what.

Assignment, state and snooze live on Conversation itself; private notes and the
timeline's system events are Message rows with direction "note" or "event", so
the thread shows one ordered timeline and nothing of them is ever sent.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .channels import Channel
from .columns import as_utc, utcnow
from .contacts import Contact
from .teams import Team

# Conversation states, in the order the filters show them.
STATES = ("open", "pending", "snoozed", "resolved")
# Open and nobody's: waiting for automatic assignment (when its team has it on).
WAITING = "state = 'open' AND assignee_id IS NULL"
# Waits the rules' time triggers look at (automation/timers.py): only
# conversations where someone waits, in the states the trigger applies to.
AWAITING_AGENT = "state = 'open' AND agent_wait_since IS NOT NULL"
AWAITING_CONTACT = "state IN ('open', 'pending') AND contact_wait_since IS NOT NULL"
SLA_DUE = "sla_due_at IS NOT NULL AND sla_breached_at IS NULL"


class Conversation(db.Model):
    # The list pages by (last_activity_at, id) within a workspace, optionally
    # filtered by state or assignee: one index per way in.
    __table_args__ = (
        Index(
            "ix_conversation_workspace_last_activity",
            "workspace_id",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_state_activity",
            "workspace_id",
            "state",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_assignee_activity",
            "workspace_id",
            "assignee_id",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_team_activity",
            "workspace_id",
            "team_id",
            "last_activity_at",
            "id",
        ),
        # A team's waiting conversations, oldest first (routing/assignment.py).
        Index(
            "ix_conversation_waiting",
            "team_id",
            "last_activity_at",
            "id",
            postgresql_where=text(WAITING),
            sqlite_where=text(WAITING),
        ),
        # "No agent answer / no contact answer after N": the waits whose time
        # comes within one minute, by workspace (automation/timers.py).
        Index(
            "ix_conversation_awaiting_agent",
            "workspace_id",
            "agent_wait_since",
            "id",
            postgresql_where=text(AWAITING_AGENT),
            sqlite_where=text(AWAITING_AGENT),
        ),
        Index(
            "ix_conversation_awaiting_contact",
            "workspace_id",
            "contact_wait_since",
            "id",
            postgresql_where=text(AWAITING_CONTACT),
            sqlite_where=text(AWAITING_CONTACT),
        ),
        # Answers due and not yet marked breached, by due moment (sla/clock.py).
        Index(
            "ix_conversation_sla_due",
            "sla_due_at",
            "id",
            postgresql_where=text(SLA_DUE),
            sqlite_where=text(SLA_DUE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="open")  # one of STATES
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    # Who had it last, kept when it is unassigned: "sticky" assignment gives a
    # returning contact back to them (routing/assignment.py).
    last_assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    # From its number's team when created; moved by the team (models/teams.py).
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL")
    )
    # Unread by the whole team (read receipts); per agent see ConversationRead.
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    inbound_count: Mapped[int] = mapped_column(Integer, default=0)
    # Words of its messages and notes for the inbox search (searchdoc.py; PostgreSQL).
    search_document: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), deferred=True
    )
    # Opened by a lead form submission: shown as a new lead in the inbox.
    lead_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead_submission.id", ondelete="SET NULL")
    )
    # Set by a rule (issue 18, Automationen): no welcome or away reply here.
    auto_replies_off: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Since when the contact waits for the team's answer (their first message
    # since the team last wrote), and since when the team waits for the
    # contact's (the team's first message since the contact last wrote); None
    # when nobody waits. Kept by contact_wrote and team_wrote below.
    agent_wait_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    contact_wait_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first-response target (sla/clock.py): when a person of the team first
    # answered since the conversation was opened or reopened, when the answer
    # to the waiting contact is due (None: no target, or answered), and when
    # the minute's sweep found it overdue.
    first_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_preview: Mapped[str | None] = mapped_column(String(200))
    last_message_type: Mapped[str | None] = mapped_column(String(32))
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    channel: Mapped[Channel] = relationship()
    contact: Mapped[Contact] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()

    @property
    def answer_overdue(self) -> bool:
        """The first answer's due moment has passed (the list's "überfällig")."""
        return self.sla_due_at is not None and as_utc(self.sla_due_at) <= utcnow()

    def contact_wrote(self, at: datetime) -> None:
        """The contact wrote: they wait for an answer (from their first message on)."""
        if self.agent_wait_since is None:
            self.agent_wait_since = at
        self.contact_wait_since = None

    def team_wrote(self, at: datetime, agent: bool) -> None:
        """The team wrote: the contact's turn. Only a person answers the contact:
        a rule's message starts the wait for the contact, not the agent's end."""
        if agent:
            self.agent_wait_since = None
            self.sla_due_at = None  # answered: the first-response clock stops
            if self.first_answered_at is None:
                self.first_answered_at = at
        if self.contact_wait_since is None:
            self.contact_wait_since = at


class ConversationRead(db.Model):
    """How many of the contact's messages an agent had seen when last opening it.

    Unread for that agent = conversation.inbound_count - inbound_seen: one join,
    no counting of messages per row.
    """

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    inbound_seen: Mapped[int] = mapped_column(Integer, default=0)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
