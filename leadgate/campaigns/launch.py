"""A campaign's life: launch or schedule, start, pause, resume, cancel.

Starting plans the recipients once: the review's result becomes rows in the
order they will be sent (`planned`), and everyone left out becomes a row with
the reason (`left_out`), which the evidence lists. A scheduled campaign plans
when it starts, so it reaches whoever matches its audience then, and stays
editable until that moment. The moves themselves are Campaign.move_to's table.
"""

import logging
from typing import cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Table, select, update

from .. import audit
from ..contacts.listing import ContactFilters
from ..contacts.segments import filters_of
from ..dbutil import bulk_insert_ignoring_conflicts
from ..extensions import db
from ..models import (
    Campaign,
    CampaignRecipient,
    Channel,
    Message,
    MessageTemplate,
    Segment,
    User,
    utcnow,
)
from ..models.message_state import MessageState, columns
from ..outbound.reasons import CAMPAIGN_CANCELLED
from ..outbound.templates import header_media
from ..queue import redis_connection
from . import audience
from .feed import FEED_MARK, FEED_MARK_TTL_MS, enqueue_feed, why_stopped
from .personalise import campaign_slots

log = logging.getLogger(__name__)

# Why a campaign stopped by itself, as the campaign page says it.
STOP_REASONS = {
    "template_paused": _l(
        "Meta hat die Vorlage wegen negativer Rückmeldungen pausiert. Sobald sie "
        "wieder freigegeben ist, können Sie die Kampagne fortsetzen."
    ),
    "template_withdrawn": _l(
        "Die Vorlage ist nicht mehr freigegeben (deaktiviert, abgelehnt oder gelöscht)."
    ),
    "number_unusable": _l(
        "Die WhatsApp-Nummer braucht ein neues Zugriffstoken (Einstellungen → WhatsApp)."
    ),
    "number_gone": _l("Die WhatsApp-Nummer ist nicht mehr verbunden."),
    "nobody": _l("Zum geplanten Zeitpunkt hätte die Kampagne niemanden erreicht."),
    "header_upload_failed": _l(
        "Die Datei der Kopfzeile konnte nicht zu WhatsApp hochgeladen werden."
    ),
}


class CampaignRefused(Exception):
    """A move the campaign cannot make now; the message says why."""


def audience_filters(campaign: Campaign) -> ContactFilters | None:
    """The contact filters of the campaign's audience (None: none chosen or gone)."""
    chosen = campaign.audience or {}
    if chosen.get("segment"):
        segment = db.session.get(Segment, chosen["segment"])
        if segment is None or segment.workspace_id != campaign.workspace_id:
            return None
        return filters_of(segment)
    if chosen.get("label"):
        return ContactFilters(label=int(chosen["label"]))
    if chosen.get("campaign"):  # "again, to those who did not read / reply"
        return ContactFilters(
            campaign=int(chosen["campaign"]), campaign_outcome=chosen.get("outcome", "")
        )
    return None


def parts_of(campaign: Campaign) -> tuple[Channel | None, MessageTemplate | None]:
    channel = db.session.get(Channel, campaign.channel_id or 0)
    template = db.session.get(MessageTemplate, campaign.template_id or 0)
    if channel is not None and channel.workspace_id != campaign.workspace_id:
        channel = None
    if template is not None and template.workspace_id != campaign.workspace_id:
        template = None
    return channel, template


def review_of(campaign: Campaign) -> audience.Review | None:
    """The review of the campaign as it stands; None while a part is missing."""
    channel, template = parts_of(campaign)
    filters = audience_filters(campaign)
    if channel is None or template is None or filters is None:
        return None
    found = campaign_slots(campaign.workspace_id, template, campaign.placeholders)
    return audience.review(campaign.workspace_id, filters, channel, template, found)


def missing(campaign: Campaign) -> str | None:
    """What the campaign still needs before it may start, in words; None if nothing."""
    channel, template = parts_of(campaign)
    if channel is None:
        return _("Bitte eine WhatsApp-Nummer wählen.")
    if audience_filters(campaign) is None:
        return _("Bitte eine Zielgruppe wählen.")
    if template is None:
        return _("Bitte eine Vorlage wählen.")
    if template.category != "MARKETING" and not campaign.lawful_basis:
        return _("Bitte die Rechtsgrundlage der Nachricht wählen.")
    if template_needs_file(template) and not campaign.header_sha256:
        return _("Diese Vorlage braucht eine Datei für die Kopfzeile.")
    return None


def template_needs_file(template: MessageTemplate) -> bool:
    return header_media(template) is not None


def launch(campaign: Campaign, by: User) -> None:
    """Start now, or at its time if one is set (caller commits, then enqueue_feed)."""
    if not campaign.editable:  # launched before (a second click, another tab)
        raise CampaignRefused(_("Diese Kampagne ist schon gestartet."))
    problem = missing(campaign)
    if problem:
        raise CampaignRefused(problem)
    if campaign.scheduled_at is not None and campaign.scheduled_at > utcnow():
        campaign.move_to("scheduled")
        audit.record(campaign.workspace_id, "campaign.scheduled", campaign, actor=by)
        return
    start(campaign, by)


def start(campaign: Campaign, by: User | None = None) -> None:
    """Plan the recipients and run (caller commits, then enqueue_feed)."""
    result = review_of(campaign)
    if result is None:
        raise CampaignRefused(_("Der Kampagne fehlt eine Angabe."))
    if result.blocked:
        raise CampaignRefused(result.blocked)
    if not result.included:
        raise CampaignRefused(_("Diese Kampagne würde niemanden erreichen."))
    plan(campaign, result)
    campaign.move_to("running")
    campaign.launched_at = utcnow()
    audit.record(
        campaign.workspace_id,
        "campaign.launched",
        campaign,
        actor=by,
        recipients=campaign.planned,
        left_out=campaign.left_out,
    )


def plan(campaign: Campaign, result: audience.Review) -> None:
    """The recipients as rows: planned in send order, left out with their reason."""
    base = {"campaign_id": campaign.id, "workspace_id": campaign.workspace_id}
    rows = [
        {
            **base,
            "contact_id": contact_id,
            "position": position,
            "state": "planned",
            "reason": None,
        }
        for position, contact_id in enumerate(result.included, start=1)
    ]
    rows += [
        {
            **base,
            "contact_id": contact_id,
            "position": 0,
            "state": "left_out",
            "reason": reason,
        }
        for contact_id, reason in result.excluded
    ]
    for start_at in range(0, len(rows), 5000):
        bulk_insert_ignoring_conflicts(
            cast(Table, CampaignRecipient.__table__), rows[start_at : start_at + 5000]
        )
    campaign.planned = len(result.included)
    campaign.left_out = len(result.excluded)


def pause(campaign: Campaign, by: User) -> None:
    """No further recipients are queued; those handed over (seconds' worth) still go."""
    if campaign.state != "running":
        raise CampaignRefused(_("Nur eine laufende Kampagne kann angehalten werden."))
    campaign.move_to("paused")
    audit.record(campaign.workspace_id, "campaign.paused", campaign, actor=by)


def resume(campaign: Campaign, by: User) -> None:
    if campaign.state != "paused":
        raise CampaignRefused(
            _("Nur eine angehaltene Kampagne kann fortgesetzt werden.")
        )
    channel, template = parts_of(campaign)
    stopped = why_stopped(channel, template)
    if stopped:
        raise CampaignRefused(str(STOP_REASONS[stopped]))
    if campaign.launched_at is None:  # stopped before it started: plan now
        start(campaign, by)
        return
    campaign.move_to("running")
    audit.record(campaign.workspace_id, "campaign.resumed", campaign, actor=by)


def cancel(campaign: Campaign, by: User) -> None:
    """Nobody else receives it: planned rows and messages not yet sent are cancelled."""
    if campaign.state in ("finished", "cancelled"):
        raise CampaignRefused(_("Diese Kampagne ist schon beendet."))
    cancelled = cast(
        CursorResult,
        db.session.execute(
            update(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign.id,
                CampaignRecipient.state == "planned",
            )
            .values(state="cancelled")
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    message_ids = select(CampaignRecipient.message_id).where(
        CampaignRecipient.campaign_id == campaign.id,
        CampaignRecipient.message_id.is_not(None),
    )
    db.session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status.in_((MessageState.QUEUED, MessageState.PAUSED)),
            Message.wamid.is_(None),
        )
        .values(
            **columns(MessageState.FAILED, MessageState.QUEUED, MessageState.PAUSED),
            error_title=CAMPAIGN_CANCELLED,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    campaign.move_to("cancelled")
    audit.record(
        campaign.workspace_id,
        "campaign.cancelled",
        campaign,
        actor=by,
        recipients=cancelled,
    )


def sweep_campaigns() -> dict[str, int]:
    """rq cron: start scheduled campaigns that are due; restart lost feed chains."""
    counts = {"started": 0, "fed": 0}
    due = db.session.scalars(
        select(Campaign).where(
            Campaign.state == "scheduled", Campaign.scheduled_at <= utcnow()
        )
    ).all()
    for campaign in due:
        try:
            start(campaign)
        except CampaignRefused:  # nobody left, or the template went: say so
            log.info("Scheduled campaign %s could not start", campaign.id)
            campaign.move_to("paused")
            campaign.paused_reason = why_stopped(*parts_of(campaign)) or "nobody"
        db.session.commit()
        counts["started"] += campaign.state == "running"
    running = db.session.scalars(
        select(Campaign.id).where(Campaign.state == "running")
    ).all()
    connection = redis_connection()
    for campaign_id in running:
        if connection.set(
            FEED_MARK.format(campaign_id), 1, nx=True, px=FEED_MARK_TTL_MS
        ):
            enqueue_feed(campaign_id)
            counts["fed"] += 1
    return counts
