"""What the composer offers now: free text, only templates, or nothing, and why.

The mode follows outbound/rules.py: a contact who objected or is restricted
can get nothing ("blocked"); outside Meta's 24-hour window only approved
templates ("template"); otherwise free text ("free"), with the window's end as a
quiet line that turns into a gentle warning in its last hour.
"""

from datetime import datetime, timedelta

from flask_babel import format_datetime, format_time, format_timedelta, get_timezone
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..extensions import db
from ..models import Conversation, MessageTemplate, utcnow
from ..outbound.placeholders import outline
from ..outbound.rules import contact_refusal, window_closes_at, window_refusal

ENDING = timedelta(hours=1)  # the window's last hour: the line warns, gently


def approved_templates(conversation: Conversation) -> list[MessageTemplate]:
    return db.session.scalars(
        select(MessageTemplate)
        .where(
            MessageTemplate.workspace_id == conversation.workspace_id,
            MessageTemplate.waba_id == conversation.channel.waba_id,
            MessageTemplate.status == "APPROVED",
            # One-time passwords are sent by systems, not by agents.
            func.coalesce(MessageTemplate.category, "") != "AUTHENTICATION",
        )
        .order_by(MessageTemplate.name, MessageTemplate.language)
    ).all()


def composer_context(conversation: Conversation) -> dict:
    """The composer's mode and what it shows (one window query; templates if closed)."""
    closes = window_closes_at(conversation.channel_id, conversation.contact_id)
    blocked = contact_refusal(conversation.channel, conversation.contact)
    closed = None if blocked else window_refusal(closes)
    templates = approved_templates(conversation) if closed else []
    return {
        "form": FlaskForm(),
        "refusal": blocked or closed,  # why free text is not possible, if it is not
        "template_refusal": blocked,  # why not even a template is
        "templates": templates,
        "outlines": {t.id: outline(t) for t in templates},
        "window": window_state(closes),
        "composer_mode": "blocked" if blocked else "template" if closed else "free",
    }


def window_state(closes: datetime | None, now: datetime | None = None) -> dict:
    """ "Antwort möglich bis 21:15", and whether it is the last hour."""
    now = now or utcnow()
    if closes is None or closes <= now:
        return {}
    zone = get_timezone()
    day = closes.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if day == today:
        when = format_time(closes, "short")
    elif day == today + timedelta(days=1):
        when = _("morgen, %(time)s", time=format_time(closes, "short"))
    else:
        when = format_datetime(closes, "short")
    left = closes - now
    text = _("Antwort möglich bis %(time)s", time=when)
    if left <= ENDING:
        left_text = format_timedelta(left, granularity="minute", threshold=1.1)
        text = _(
            "Antwort nur noch %(left)s möglich (bis %(time)s)",
            left=left_text,
            time=when,
        )
    return {"text": text, "ending": left <= ENDING, "closes": closes}
