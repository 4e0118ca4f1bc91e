"""Hand a running campaign's recipients to the outbound pipeline, a little ahead of its pace.

The job `feed_campaign` keeps about AHEAD_SECONDS of the number's pace queued:
it claims the next `planned` recipients in their planned order (FOR UPDATE SKIP
LOCKED, so two feeds never take one row), checks each against the rules as
they are *now* (a STOP that arrived during the campaign keeps that person's
message back), and in one commit stores their messages as `queued` and marks
the rows `queued` with the consent record or lawful basis each relied on. From
there outbound/delivery.py sends them exactly once, paced per number and per
recipient. Then the job runs again a second later, until nobody is planned.

Why ahead and not all at once: a message queued is a promise to send it; the
rules are checked when it is queued, and delivery's last check
(withhold_blocked) covers only objection and restriction. Queuing a few seconds
ahead keeps the gap between the consent check and the send to seconds, keeps
pause and cancel immediate, and keeps the inbox from holding 10,000 waiting
messages. A lost feed job is replaced by the sweeper (sweep_campaigns).
"""

import logging
import math
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update

from .. import audit, live
from ..consent import ledger
from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..files import clean_filename
from ..media import media_path
from ..models import (
    Campaign,
    CampaignRecipient,
    Channel,
    Contact,
    Conversation,
    Message,
    MessageTemplate,
    utcnow,
)
from ..models.message_state import MessageState, initial
from ..models.previews import preview_text
from ..outbound import rules, throughput
from ..outbound.delivery import enqueue_delivery
from ..outbound.sender import Upload, upload
from ..outbound.templates import preview, send_object
from ..queue import enqueue, get_queue, redis_connection
from ..whatsapp.channels import client_for
from ..whatsapp.client import WhatsAppError
from . import audience
from .personalise import Slot, campaign_slots, complete, values_for

log = logging.getLogger(__name__)

QUEUE = "default"
AHEAD_SECONDS = 3.0  # queued ahead of the number's pace
MIN_AHEAD = 20
CHUNK = 1000  # recipients per statement
FEED_INTERVAL = 1.0  # seconds between feeds of a running campaign
# Set while a feed chain runs (each feed refreshes it); the sweeper starts a
# chain only where it expired, so lost jobs are replaced and chains never pile up.
FEED_MARK = "leadgate:campaign:feed:{}"
FEED_MARK_TTL_MS = 15_000
# Messages of a number still to go out: delivery works them off at its pace.
WAITING = (MessageState.QUEUED, MessageState.SENDING)

recipients_table = cast(Table, CampaignRecipient.__table__)


def enqueue_feed(campaign_id: int, delay_seconds: float = 0) -> None:
    """Ask a worker to feed the campaign (call after the commit)."""
    redis_connection().set(FEED_MARK.format(campaign_id), 1, px=FEED_MARK_TTL_MS)
    if delay_seconds > 0:
        get_queue(QUEUE).enqueue_in(
            timedelta(seconds=delay_seconds), feed_campaign, campaign_id, result_ttl=0
        )
    else:
        enqueue(feed_campaign, campaign_id, queue=QUEUE)


def feed_campaign(campaign_id: int) -> dict[str, int]:
    """Queue the campaign's next recipients; return how many went which way."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.state != "running":
        return {}
    channel = db.session.get(Channel, campaign.channel_id or 0)
    template = db.session.get(MessageTemplate, campaign.template_id or 0)
    stopped = why_stopped(channel, template)
    if stopped:
        campaign.move_to("paused")
        campaign.paused_reason = stopped
        audit.record(campaign.workspace_id, "campaign.paused", campaign, reason=stopped)
        db.session.commit()
        return {"paused": 1}
    assert channel is not None and template is not None  # why_stopped checked
    if not header_uploaded(campaign, channel):
        campaign.move_to("paused")
        campaign.paused_reason = "header_upload_failed"
        audit.record(
            campaign.workspace_id,
            "campaign.paused",
            campaign,
            reason="header_upload_failed",
        )
        db.session.commit()
        return {"paused": 1}
    counts = {"queued": 0, "skipped": 0}
    room = room_ahead(channel)
    found = campaign_slots(campaign.workspace_id, template, campaign.placeholders or {})
    touched: set[tuple[int, int]] = set()
    while room > 0:
        claimed = claim(campaign.id, min(room, CHUNK))
        if not claimed:
            break
        queued, skipped, conversations = hand_over(
            campaign, channel, template, found, claimed
        )
        counts["queued"] += queued
        counts["skipped"] += skipped
        touched |= {(campaign.workspace_id, c) for c in conversations}
        room -= len(claimed)
    finished = not has_planned(campaign.id)
    if finished:
        campaign.move_to("finished")
        audit.record(
            campaign.workspace_id,
            "campaign.finished",
            campaign,
            recipients=campaign.planned,
        )
    channel_id = channel.id
    db.session.commit()
    if counts["queued"]:
        enqueue_delivery(channel_id)
    live.publish_conversations(touched)
    if not finished:
        enqueue_feed(campaign_id, FEED_INTERVAL)
    return counts


def why_stopped(
    channel: Channel | None, template: MessageTemplate | None
) -> str | None:
    """Why the campaign cannot go on now (it pauses and says so), or None."""
    if channel is None:
        return "number_gone"
    if rules.channel_unusable(channel):
        return "number_unusable"
    if template is None:
        return "template_withdrawn"
    if template.status == "PAUSED":
        return "template_paused"
    if rules.template_unusable(channel, template):
        return "template_withdrawn"
    return None


def header_uploaded(campaign: Campaign, channel: Channel) -> bool:
    """A media header is uploaded once and its id sent with every message.

    Meta keeps an uploaded file for 30 days; one upload instead of one per
    recipient. False if the upload failed (the campaign pauses and says so).
    """
    if not campaign.header_sha256 or campaign.header_media_id:
        return True
    stored = Upload(
        media_path(campaign.header_sha256),
        campaign.header_mime_type or "application/octet-stream",
        clean_filename(campaign.header_filename, f"campaign-{campaign.id}"),
    )
    try:
        campaign.header_media_id = upload(
            client_for(channel), channel.phone_number_id, stored
        )
    except WhatsAppError:
        log.warning("Header upload of campaign %s failed", campaign.id)
        return False
    return True


def room_ahead(channel: Channel) -> int:
    """How many more messages may be queued for the number now."""
    pace = throughput.ceiling(channel.throughput_mps)
    ahead = max(MIN_AHEAD, math.ceil(pace * AHEAD_SECONDS))
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.status.in_(WAITING),
            Message.channel_id == channel.id,
            Message.direction == "out",
        )
    )
    return ahead - (waiting or 0)


def claim(campaign_id: int, count: int) -> list:
    """The next planned (id, contact_id) rows, locked for this transaction."""
    return list(
        db.session.execute(
            select(CampaignRecipient.id, CampaignRecipient.contact_id)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.state == "planned",
            )
            .order_by(CampaignRecipient.position)
            .limit(count)
            .with_for_update(skip_locked=True)
        ).all()
    )


def has_planned(campaign_id: int) -> bool:
    return (
        db.session.scalar(
            select(CampaignRecipient.id)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.state == "planned",
            )
            .limit(1)
        )
        is not None
    )


def hand_over(
    campaign: Campaign,
    channel: Channel,
    template: MessageTemplate,
    found: list[Slot],
    claimed: list,
) -> tuple[int, int, set[int]]:
    """Check, store and mark one chunk; (queued, skipped, conversation ids)."""
    contact_ids = [row.contact_id for row in claimed]
    contacts = {
        row.id: row
        for row in db.session.execute(
            select(*audience.COLUMNS).where(
                one_of(Contact.id, contact_ids),
                Contact.workspace_id == campaign.workspace_id,
            )
        )
    }
    suppressed = audience.suppressed_rows(campaign.workspace_id, contacts.values())
    marketing = template.category == "MARKETING"
    records = ledger.holding_records(contact_ids, ledger.MARKETING) if marketing else {}
    now = utcnow()
    going: list[tuple[int, Any, dict]] = []  # (recipient id, contact row, values)
    skipped: list[dict] = []
    for recipient_id, contact_id in claimed:
        contact = contacts[contact_id]
        record = records.get(contact_id)
        reason = audience.block(
            contact,
            template,
            contact_id in suppressed,
            record.action if record else None,
        )
        values = values_for(found, contact)
        if reason is None and not complete(values):
            reason = "placeholder_empty"
        if reason is None:
            going.append((recipient_id, contact, values))
        else:
            skipped.append({"b_id": recipient_id, "b_reason": reason})
    if skipped:
        db.session.execute(
            update(recipients_table)
            .where(recipients_table.c.id == bindparam("b_id"))
            .values(state="skipped", reason=bindparam("b_reason")),
            skipped,
        )
    if not going:
        return 0, len(skipped), set()
    conversations = conversations_of(channel, [row.id for _, row, _ in going])
    messages = store_messages(campaign, channel, template, going, conversations, now)
    db.session.execute(
        update(recipients_table)
        .where(recipients_table.c.id == bindparam("b_id"))
        .values(
            state="queued",
            message_id=bindparam("b_message"),
            consent_record_id=bindparam("b_record"),
            lawful_basis=bindparam("b_basis"),
            queued_at=now,
        ),
        [
            {
                "b_id": recipient_id,
                "b_message": messages[row.id],
                "b_record": records[row.id].id if marketing else None,
                "b_basis": "consent" if marketing else campaign.lawful_basis,
            }
            for recipient_id, row, _ in going
        ],
    )
    return len(going), len(skipped), set(conversations.values())


def conversations_of(channel: Channel, contact_ids: list[int]) -> dict[int, int]:
    """contact id → its latest conversation on the number, opened where none exists.

    A conversation a campaign opens starts `resolved`: a broadcast is no question
    for the team; the contact's reply opens it (webhooks/effects.py).
    """
    found = dict(
        db.session.execute(
            select(Conversation.contact_id, func.max(Conversation.id))
            .where(
                Conversation.channel_id == channel.id,
                one_of(Conversation.contact_id, contact_ids),
            )
            .group_by(Conversation.contact_id)
        ).all()
    )
    new = [
        {
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "contact_id": contact_id,
            "team_id": channel.team_id,
            "state": "resolved",
        }
        for contact_id in contact_ids
        if contact_id not in found
    ]
    for row in (
        bulk_insert_ignoring_conflicts(
            cast(Table, Conversation.__table__), new, returning=("id", "contact_id")
        )
        or []
    ):
        found[row.contact_id] = row.id
    return found


def store_messages(
    campaign: Campaign,
    channel: Channel,
    template: MessageTemplate,
    going: list,
    conversations: dict[int, int],
    now,
) -> dict[int, int]:
    """Insert the chunk's messages as `queued`; contact id → message id."""
    header = {
        "media_sha256": campaign.header_sha256,
        "media_mime_type": campaign.header_mime_type,
        "media_filename": campaign.header_filename,
        "media_id": campaign.header_media_id,  # uploaded once for all (launch.py)
        "media_state": "stored" if campaign.header_sha256 else None,
    }
    rows = []
    touches = []
    for _recipient_id, contact, values in going:
        text = preview(template, values)
        conversation_id = conversations[contact.id]
        rows.append(
            {
                "workspace_id": campaign.workspace_id,
                "channel_id": channel.id,
                "conversation_id": conversation_id,
                "contact_id": contact.id,
                "direction": "out",
                "type": "template",
                "text": text,
                "details": {
                    "template": send_object(template, values, campaign.header_filename),
                    "template_id": template.id,
                    "campaign_id": campaign.id,
                },
                "sent_at": now,
                "created_at": now,
                "author_id": campaign.created_by_id,
                **initial(MessageState.QUEUED),
                **header,
            }
        )
        touches.append({"b_id": conversation_id, "b_preview": preview_text(text, None)})
    stored = (
        bulk_insert_ignoring_conflicts(
            cast(Table, Message.__table__), rows, returning=("id", "contact_id")
        )
        or []
    )
    conversations_table = cast(Table, Conversation.__table__)
    db.session.execute(
        update(conversations_table)
        .where(conversations_table.c.id == bindparam("b_id"))
        .values(
            last_message_preview=bindparam("b_preview"),
            last_message_type="template",
            last_activity_at=now,
        ),
        touches,
    )
    return {row.contact_id: row.id for row in stored}
