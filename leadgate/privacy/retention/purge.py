"""The nightly purge: delete what has outlived its workspace's retention periods.

Per workspace, in this order (each rule in batches, batches.py):

1. lead submissions older than retention_submissions_days;
2. contacts idle for retention_idle_contacts_days: created (and last changed,
   last written to us) before then, with no conversation, no consent record
   and no lead submission that is kept;
3. resolved conversations without activity for retention_resolved_days (no
   message, note or event since), entirely: messages, notes, events;
4. messages, notes and events stored more than retention_messages_days ago,
   with their files, and the conversations this leaves empty;
5. the recipient rows (and so the consent evidence) of campaigns that ended
   more than retention_messages_days ago: their messages went with rule 4.
   The campaign itself stays, with its counts and no person in it.

No rule selects by what an earlier one deleted in the same run (a contact
whose last conversation goes tonight is idle tomorrow), so a dry run, which
only counts, reports exactly what the run would delete. Platform-wide records
follow their own periods (platform.py). Each run leaves one audit event
per workspace and one platform-wide: counts, never content.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select, tuple_

from ... import audit
from ...extensions import db
from ...models import (
    Campaign,
    CampaignRecipient,
    ConsentRecord,
    Contact,
    Conversation,
    LeadSubmission,
    Message,
    Workspace,
    utcnow,
)
from .batches import (
    BATCH,
    CONVERSATION_BATCH,
    Removed,
    commit,
    count,
    delete_by_id,
    delete_conversations,
    delete_old_messages,
    delete_rows,
    locked,
)
from .platform import purge_platform

# The workspace's settings, in the order the settings page shows them.
SETTINGS = (
    "retention_messages_days",
    "retention_resolved_days",
    "retention_submissions_days",
    "retention_idle_contacts_days",
)
COUNTS = (
    "messages",
    "media",
    "conversations",
    "lead_submissions",
    "contacts",
    "campaign_recipients",
)


@dataclass(frozen=True)
class Cutoffs:
    """What was stored (or last active) before these instants has expired."""

    workspace_id: int
    messages: datetime
    resolved: datetime
    submissions: datetime
    idle_contacts: datetime

    @classmethod
    def of(cls, workspace, now: datetime) -> "Cutoffs":
        return cls(
            workspace.id,
            *(now - timedelta(days=getattr(workspace, name)) for name in SETTINGS),
        )


def expired_submissions(c: Cutoffs) -> list[ColumnElement[bool]]:
    return [
        LeadSubmission.workspace_id == c.workspace_id,
        LeadSubmission.created_at < c.submissions,
    ]


def idle_contacts(c: Cutoffs) -> list[ColumnElement[bool]]:
    return [
        Contact.workspace_id == c.workspace_id,
        Contact.created_at < c.idle_contacts,
        or_(Contact.updated_at.is_(None), Contact.updated_at < c.idle_contacts),
        or_(
            Contact.last_inbound_at.is_(None),
            Contact.last_inbound_at < c.idle_contacts,
        ),
        ~exists().where(Conversation.contact_id == Contact.id),
        ~exists().where(ConsentRecord.contact_id == Contact.id),
        ~exists().where(
            LeadSubmission.contact_id == Contact.id,
            LeadSubmission.created_at >= c.submissions,
        ),
    ]


def ended_campaign_rows(c: Cutoffs) -> list[ColumnElement[bool]]:
    ended = select(Campaign.id).where(
        Campaign.workspace_id == c.workspace_id, Campaign.finished_at < c.messages
    )
    return [
        CampaignRecipient.workspace_id == c.workspace_id,
        CampaignRecipient.campaign_id.in_(ended),
    ]


def inactive_resolved(c: Cutoffs) -> list[ColumnElement[bool]]:
    # Notes do not move last_activity_at: a recent one keeps the conversation.
    return [
        Conversation.workspace_id == c.workspace_id,
        Conversation.state == "resolved",
        Conversation.last_activity_at < c.resolved,
        ~exists().where(
            Message.conversation_id == Conversation.id,
            Message.created_at >= c.resolved,
        ),
    ]


def purge(now: datetime | None = None, dry_run: bool = False, **details) -> dict:
    """Delete (dry run: only count) what has expired; return the counts.

    {"workspaces": {id: {kind: count}}, "platform": {kind: count}}; details
    go into the audit events (e.g. via="cli").
    """
    now = now or utcnow()
    report = {"workspaces": {}, "platform": purge_platform(now, dry_run, **details)}
    periods = select(Workspace.id, *(getattr(Workspace, name) for name in SETTINGS))
    for workspace in db.session.execute(periods.order_by(Workspace.id)).all():
        cutoffs = Cutoffs.of(workspace, now)
        if dry_run:
            report["workspaces"][workspace.id] = count_expired(cutoffs)
        else:
            report["workspaces"][workspace.id] = purge_workspace(cutoffs, **details)
    return report


def purge_workspace(c: Cutoffs, **details) -> dict:
    """Apply the workspace's rules in order, then record what went."""
    counts = dict.fromkeys(COUNTS, 0)
    counts["lead_submissions"] = delete_submissions(c)
    counts["contacts"] = delete_idle_contacts(c)
    removed = delete_resolved(c) + delete_old_messages(c.workspace_id, c.messages)
    counts.update(asdict(removed))
    counts["campaign_recipients"] = delete_rows(
        CampaignRecipient, *ended_campaign_rows(c)
    )
    audit.record(c.workspace_id, "purge.run", **counts, **details)
    commit()
    return counts


def delete_submissions(c: Cutoffs) -> int:
    return delete_rows(LeadSubmission, *expired_submissions(c))


def delete_idle_contacts(c: Cutoffs) -> int:
    """Oldest first; a contact is locked and rechecked before it goes."""
    total, after = 0, None
    while True:
        query = select(Contact.id, Contact.created_at).where(*idle_contacts(c))
        if after is not None:
            query = query.where(tuple_(Contact.created_at, Contact.id) > after)
        rows = db.session.execute(
            query.order_by(Contact.created_at, Contact.id).limit(BATCH)
        ).all()
        if not rows:
            return total
        ids = locked(Contact, [row.id for row in rows], *idle_contacts(c))
        total += delete_by_id(Contact, ids)
        commit()
        if len(rows) < BATCH:
            return total
        after = tuple_(rows[-1].created_at, rows[-1].id)


def delete_resolved(c: Cutoffs) -> Removed:
    """Resolved conversations inactive since the cutoff, with all their messages."""
    removed = Removed()
    while True:
        ids = db.session.scalars(
            select(Conversation.id)
            .where(*inactive_resolved(c))
            .order_by(Conversation.last_activity_at, Conversation.id)
            .limit(CONVERSATION_BATCH)
        ).all()
        if not ids:
            return removed
        # One that came back to life meanwhile fails the recheck and is not
        # selected again: the loop ends.
        removed += delete_conversations(ids, *inactive_resolved(c))


def count_expired(c: Cutoffs) -> dict:
    """What purge_workspace would delete now, counted with the same rules."""
    resolved = select(Conversation.id).where(*inactive_resolved(c))
    doomed = and_(
        Message.workspace_id == c.workspace_id,
        or_(Message.created_at < c.messages, Message.conversation_id.in_(resolved)),
    )
    emptied = [
        Conversation.workspace_id == c.workspace_id,
        Conversation.last_activity_at < c.messages,
        ~and_(*inactive_resolved(c)),
        exists().where(
            Message.conversation_id == Conversation.id,
            Message.created_at < c.messages,
        ),
        ~exists().where(
            Message.conversation_id == Conversation.id,
            Message.created_at >= c.messages,
        ),
    ]
    return {
        "messages": count(Message, doomed),
        "media": count(Message, doomed, Message.media_sha256.is_not(None)),
        "conversations": count(Conversation, *inactive_resolved(c))
        + count(Conversation, *emptied),
        "lead_submissions": count(LeadSubmission, *expired_submissions(c)),
        "contacts": count(Contact, *idle_contacts(c)),
        "campaign_recipients": count(CampaignRecipient, *ended_campaign_rows(c)),
    }


def nightly_purge() -> dict:
    """Job: run the purge (rq cron, every night)."""
    return purge()
