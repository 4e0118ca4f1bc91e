"""Owners and admins learn by mail when a campaign stopped by itself.

A campaign stops by itself when Meta pauses or withdraws its template, when its
number can no longer send, or when a scheduled one would reach nobody; the
campaign page says why (launch.STOP_REASONS). Nobody watches that page all day,
so the workspace's owners and admins get a mail too, once per stop.

Durable without a hook in every place that stops a campaign (webhooks, the
template sync, a send's answer, the scheduler): a cron job finds stopped
campaigns not yet notified, marks them in one conditional UPDATE (two runs never
mail twice) and enqueues one mail job per campaign, with its id only.
"""

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..mail import rendering, send
from ..models import Campaign, Membership, Role, User, Workspace, utcnow
from ..queue import enqueue
from ..urls import DEV_BASE_URL, external_url
from .launch import STOP_REASONS

log = logging.getLogger(__name__)


def notify_stopped_campaigns() -> int:
    """rq cron: one mail job per campaign that stopped by itself since the last run."""
    stopped = db.session.scalars(
        update(Campaign)
        .where(
            Campaign.state == "paused",
            Campaign.paused_reason.is_not(None),
            Campaign.stop_notified_at.is_(None),
        )
        .values(stop_notified_at=utcnow())
        .returning(Campaign.id)
    ).all()
    db.session.commit()
    for campaign_id in stopped:
        enqueue(mail_campaign_stopped, campaign_id)
    return len(stopped)


def mail_campaign_stopped(campaign_id: int) -> None:
    """Mail each owner and admin, in their language, why the campaign stopped."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.state != "paused" or not campaign.paused_reason:
        return  # resumed, cancelled or deleted meanwhile: nothing to tell
    managers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.workspace_id == campaign.workspace_id,
            Membership.role.in_((Role.OWNER, Role.ADMIN)),
            User.deleted_at.is_(None),
        )
        .order_by(User.id)
    ).all()
    workspace = db.session.get(Workspace, campaign.workspace_id)
    address = current_app.config["BASE_URL"] or DEV_BASE_URL
    reason = STOP_REASONS.get(campaign.paused_reason)
    for user in managers:
        with rendering(user.locale, address):
            send(
                user.email,
                _("Kampagne „%(name)s“ angehalten", name=campaign.name),
                "mail/campaign_stopped.txt",
                campaign=campaign,
                workspace=workspace,
                reason=str(reason) if reason else None,
                url=external_url("campaigns.show", campaign_id=campaign.id),
            )
    log.info("Campaign %s: stop mailed to %s managers", campaign.id, len(managers))
