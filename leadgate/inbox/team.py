"""Team work on a conversation: assign, state, snooze, labels, private notes.

Each change is one commit together with its timeline event (a Message with
direction "event"), so the thread always tells who did what and when. Notes are
Messages with direction "note": in the timeline, never sent to WhatsApp.
"""

from datetime import UTC, datetime, timedelta

from flask import g
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from .. import audit, live
from ..consent import ledger
from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..models import (
    STATES,
    Contact,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    Membership,
    Message,
    Team,
    User,
    as_utc,
    utcnow,
)
from ..outbound.rules import SendRefused
from ..reports import facts as report_facts
from ..searchdoc import add_words

MAX_NOTE_LENGTH = 4096


class TeamError(SendRefused):
    """A change that is not allowed, with the reason for the agent."""


def timeline_entry(
    conversation: Conversation, author: User | None, kind: str, **fields
) -> Message:
    """A note or an event in the thread: stored like a message, never sent."""
    entry = Message.of(
        conversation,
        direction=kind,
        type=kind,
        status=kind,
        author_id=author.id if author else None,
        sent_at=utcnow(),
        **fields,
    )
    db.session.add(entry)
    return entry


def record_event(
    conversation: Conversation, author: User | None, kind: str, **details
) -> Message:
    """Add a system event to the timeline (not sent, not the conversation's preview)."""
    return timeline_entry(
        conversation, author, "event", details={"kind": kind, **details}
    )


def event_row(conversation: Conversation, kind: str, **details) -> dict:
    """The row record_event adds (without an author), as a dict: for writers of
    many events at once (a rules round inserts them with one statement)."""
    return {
        "workspace_id": conversation.workspace_id,
        "channel_id": conversation.channel_id,
        "conversation_id": conversation.id,
        "contact_id": conversation.contact_id,
        "direction": "event",
        "type": "event",
        "status": "event",
        "author_id": None,
        "sent_at": utcnow(),
        "details": {"kind": kind, **details},
    }


def assign(conversation: Conversation, author: User, assignee_id: int | None) -> None:
    """Assign to a member of the workspace, or to nobody."""
    change_assignee(conversation, author, assignee_id)
    db.session.commit()


# The change_* steps below are each action without its commit, for callers that
# batch (automation/actions.py); `by` marks the timeline event (a rule's id).
def change_assignee(
    conversation: Conversation, author: User | None, assignee_id: int | None, **by
) -> bool:
    """Assign (caller commits); True if it changed. Raises TeamError."""
    if assignee_id is not None:
        member = db.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.workspace_id == conversation.workspace_id,
                User.id == assignee_id,
            )
        )
        if member is None:
            raise TeamError(_("Diese Person gehört nicht zum Team."))
    if conversation.assignee_id == assignee_id:
        return False
    conversation.assignee_id = assignee_id
    if assignee_id is not None:  # who last had the contact ("sticky" assignment)
        conversation.last_assignee_id = assignee_id
    if assignee_id is None:
        record_event(conversation, author, "unassigned", **by)
    else:
        # The id, not the name: the thread shows the member's current name,
        # and "former team member" once they leave or delete their account.
        record_event(conversation, author, "assigned", to_id=member.id, **by)
    return True


def move_to_team(conversation: Conversation, author: User, team_id: int | None) -> None:
    """Hand the conversation to another team of the workspace, or to none."""
    change_team(conversation, author, team_id)
    db.session.commit()


def change_team(
    conversation: Conversation, author: User | None, team_id: int | None, **by
) -> bool:
    """Move to the team (caller commits); True if it changed. Raises TeamError."""
    team = None
    if team_id is not None:
        team = db.session.scalar(
            select(Team).where(
                Team.workspace_id == conversation.workspace_id, Team.id == team_id
            )
        )
        if team is None:
            raise TeamError(_("Dieses Team gibt es in diesem Workspace nicht."))
    if conversation.team_id == team_id:
        return False
    conversation.team_id = team_id
    # The name then, as for labels: the timeline tells what happened at the time.
    record_event(
        conversation, author, "team_moved", team=team.name if team else None, **by
    )
    return True


def teammate_name(workspace_id: int, user_id: int) -> str | None:
    """A member's current name; None once they left (one query per request)."""
    names = g.setdefault("teammate_names", {})
    if workspace_id not in names:
        names[workspace_id] = dict(
            db.session.execute(
                select(User.id, User.name)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    Membership.workspace_id == workspace_id,
                    User.deleted_at.is_(None),
                )
            ).all()
        )
    return names[workspace_id].get(user_id)


def set_state(conversation: Conversation, author: User, state: str) -> None:
    """open, pending or resolved; snoozing has its own step (it needs a time)."""
    change_state(conversation, author, state)
    db.session.commit()


def change_state(
    conversation: Conversation, author: User | None, state: str, **by
) -> bool:
    """Set the state (caller commits); True if it changed. Raises TeamError."""
    if state not in STATES or state == "snoozed":
        raise TeamError(_("Unbekannter Status."))
    if conversation.state == state:
        return False
    conversation.state, conversation.snoozed_until = state, None
    record_event(conversation, author, "state", state=state, **by)
    if state == "resolved":  # for the reports
        report_facts.resolved(
            conversation, utcnow(), author.id if author is not None else None
        )
    return True


SNOOZE_PRESETS = ("1h", "3h", "tomorrow", "next_week")


def snooze_until(preset: str, now: datetime, tz) -> datetime:
    """The end of a snooze preset; "tomorrow" and "next week" start at 9:00 local time."""
    if preset == "1h":
        return now + timedelta(hours=1)
    if preset == "3h":
        return now + timedelta(hours=3)
    local = now.astimezone(tz)
    days = 1 if preset == "tomorrow" else 7 - local.weekday()  # next Monday
    morning = (local + timedelta(days=days)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return morning.astimezone(now.tzinfo)


def snooze(conversation: Conversation, author: User, until: datetime) -> None:
    change_snooze(conversation, author, until)
    db.session.commit()


def change_snooze(
    conversation: Conversation, author: User | None, until: datetime, **by
) -> None:
    """Snooze until then (caller commits). Raises TeamError for a past time."""
    until = until.astimezone(UTC)  # stored as UTC (SQLite would drop the zone)
    if until <= utcnow():
        raise TeamError(_("Bitte einen Zeitpunkt in der Zukunft wählen."))
    conversation.state, conversation.snoozed_until = "snoozed", until
    record_event(conversation, author, "snoozed", until=until.isoformat(), **by)


def wake_snoozed() -> int:
    """rq cron, every minute: snoozed conversations whose time has come reopen."""
    due = db.session.scalars(
        select(Conversation).where(
            Conversation.state == "snoozed", Conversation.snoozed_until <= utcnow()
        )
    ).all()
    woken = [(c.workspace_id, c.id) for c in due]
    for conversation in due:
        conversation.state, conversation.snoozed_until = "open", None
        record_event(conversation, None, "woke")
    db.session.commit()
    live.publish_conversations(woken)
    return len(due)


def add_label(conversation: Conversation, author: User, label: Label) -> None:
    change_label(conversation, author, label, True)
    db.session.commit()


def remove_label(conversation: Conversation, author: User, label: Label) -> None:
    change_label(conversation, author, label, False)
    db.session.commit()


def change_label(
    conversation: Conversation,
    author: User | None,
    label: Label,
    on: bool,
    has: bool | None = None,
    **by,
) -> bool:
    """Add (on) or remove the label (caller commits); True if it changed.

    has: whether the conversation has the label, when the caller read that
    already (a rules batch reads all its conversations' labels at once).
    """
    if label.workspace_id != conversation.workspace_id:
        raise TeamError(_("Unbekanntes Label."))
    if on:
        if has is None:
            has = (
                db.session.get(ConversationLabel, (conversation.id, label.id))
                is not None
            )
        if has:
            return False
        db.session.add(
            ConversationLabel(conversation_id=conversation.id, label_id=label.id)
        )
    elif not db.session.execute(
        delete(ConversationLabel).where(
            ConversationLabel.conversation_id == conversation.id,
            ConversationLabel.label_id == label.id,
        )
    ).rowcount:
        return False
    kind = "label_added" if on else "label_removed"
    record_event(conversation, author, kind, label=label.name, **by)
    return True


def record_objection(conversation: Conversation, author: User) -> None:
    """The contact objected to being contacted (e.g. by phone or mail): no more sends.

    Sets the simple field outbound/rules.py checks; the consent ledger that
    records how and when will build on it.
    """
    contact = conversation.contact
    if contact.opted_out_at is not None:
        return
    contact.opted_out_at = utcnow()
    for purpose in (ledger.MARKETING, ledger.SERVICE):
        ledger.record(
            contact,
            purpose,
            "opt_out",
            "agent",
            wording="Widerspruch (Art. 21 DSGVO), erfasst im Posteingang",
            by=author,
            conversation_id=conversation.id,
        )
    record_event(conversation, author, "opted_out")
    audit.record(
        contact.workspace_id,
        "objection.recorded",
        contact,
        actor=author,
        conversation_id=conversation.id,
    )
    db.session.commit()


def restrict(contact: Contact, author: User, reason: str) -> None:
    """Restriction of processing (Art. 18): no messages until it is lifted.

    Recorded in each of the contact's conversations, where the team sees it.
    """
    reason = reason.strip()
    if not reason:
        raise TeamError(_("Bitte den Grund der Einschränkung angeben."))
    if contact.restricted_at is not None:
        return
    contact.restricted_at, contact.restricted_reason = utcnow(), reason[:500]
    report_facts.forget_contact(contact)  # the reports leave them out
    for conversation in conversations_of(contact):
        record_event(conversation, author, "restricted", reason=reason[:500])
    # The reason is the team's own words about the person: it stays on the
    # contact (and in the timeline), not in the audit trail.
    audit.record(contact.workspace_id, "restriction.added", contact, actor=author)
    db.session.commit()


def lift_restriction(contact: Contact, author: User) -> None:
    if contact.restricted_at is None:
        return
    for conversation in conversations_of(contact):
        record_event(
            conversation,
            author,
            "restriction_lifted",
            since=as_utc(contact.restricted_at).isoformat(),
            reason=contact.restricted_reason,
        )
    contact.restricted_at = contact.restricted_reason = None
    audit.record(contact.workspace_id, "restriction.lifted", contact, actor=author)
    db.session.commit()


def conversations_of(contact: Contact) -> list[Conversation]:
    return db.session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).all()


def add_note(conversation: Conversation, author: User, text: str) -> Message:
    note = stage_note(conversation, author, text)
    db.session.commit()
    return note


def stage_note(
    conversation: Conversation, author: User | None, text: str, **by
) -> Message:
    """A private note in the timeline (caller commits). Raises TeamError."""
    text = text.strip()
    if not text:
        raise TeamError(_("Bitte einen Text für die Notiz eingeben."))
    if len(text) > MAX_NOTE_LENGTH:
        raise TeamError(
            _("Die Notiz ist zu lang (höchstens %(max)s Zeichen).", max=MAX_NOTE_LENGTH)
        )
    note = timeline_entry(conversation, author, "note", text=text, details=by)
    add_words(conversation, text)
    return note


def mark_seen(conversation: Conversation, user: User) -> None:
    """The agent has seen everything the contact wrote so far (their unread count: 0)."""
    updated = db.session.execute(
        update(ConversationRead)
        .where(
            ConversationRead.conversation_id == conversation.id,
            ConversationRead.user_id == user.id,
        )
        .values(inbound_seen=conversation.inbound_count, seen_at=utcnow())
    ).rowcount
    if not updated:  # the first visit; a parallel first visit may win the insert
        db.session.execute(
            insert_ignoring_conflicts(
                ConversationRead,
                conversation_id=conversation.id,
                user_id=user.id,
                inbound_seen=conversation.inbound_count,
                seen_at=utcnow(),
            )
        )
