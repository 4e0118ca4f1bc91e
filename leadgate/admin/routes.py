"""Platform administration: inquiries, usage statistics, failed webhook drains."""

import functools
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import audit, metrics
from ..extensions import db
from ..models import Channel, Inquiry, PageView, utcnow
from ..webhooks import failures, ingest

bp = Blueprint("admin", __name__, url_prefix="/admin")


def platform_admin_required(view):
    @login_required
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        # Non-admins get a 404: the admin area is not advertised.
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/inquiries")
@platform_admin_required
def inquiries():
    rows = db.session.scalars(
        select(Inquiry).order_by(Inquiry.created_at.desc()).limit(200)
    ).all()
    return render_template("admin/inquiries.html", inquiries=rows)


@bp.get("/statistics")
@platform_admin_required
def statistics():
    since = utcnow() - timedelta(days=30)
    rows = db.session.execute(
        select(
            PageView.endpoint,
            func.count().label("views"),
            func.count(func.distinct(PageView.visitor_hash)).label("visitors"),
        )
        .where(PageView.created_at >= since)
        .group_by(PageView.endpoint)
        .order_by(func.count().desc())
    ).all()
    return render_template("admin/statistics.html", rows=rows)


@bp.get("/webhooks/failed")
@platform_admin_required
def failed_webhooks():
    """Webhook events a drain could not apply: when, which channel, which error."""
    events = failures.failed_events()
    channel_ids = {e.channel_id for e in events if e.channel_id}
    channels = {
        c.id: c
        for c in db.session.scalars(select(Channel).where(Channel.id.in_(channel_ids)))
    }
    return render_template(
        "admin/failed_webhooks.html",
        events=events,
        channels=channels,
        total=failures.failed_count(),
    )


@bp.post("/webhooks/failed/<int:event_id>/requeue")
@platform_admin_required
def requeue_webhook(event_id: int):
    return requeue([event_id])


@bp.post("/webhooks/failed/requeue")
@platform_admin_required
def requeue_webhooks():
    return requeue(None)


def requeue(event_ids: list[int] | None):
    """Send failed events back to the drain, with an audit record, and drain now."""
    requeued = failures.requeue(event_ids)
    if event_ids is not None and not requeued:
        abort(404)  # not failed (any more): nothing to do
    if requeued:
        audit.record(
            None, "webhooks.requeued", count=len(requeued), event_ids=requeued[:100]
        )
    db.session.commit()
    metrics.WEBHOOK_EVENTS_REQUEUED.inc(len(requeued))
    ingest.schedule_processing()
    flash(
        ngettext(
            "%(num)d Webhook wird erneut verarbeitet.",
            "%(num)d Webhooks werden erneut verarbeitet.",
            len(requeued),
        ),
        "success",
    )
    return redirect(url_for("admin.failed_webhooks"))
