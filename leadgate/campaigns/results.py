"""What a campaign achieved: progress while it runs, rates after, the recipients table.

A recipient's progress is its message's state (outbound/progress.py moves it
on from Meta's status webhooks), so the counts read the recipient rows joined
to their messages: one grouped query, whatever the campaign's size.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from ..consent.ledger import MARKETING
from ..extensions import db
from ..models import (
    Campaign,
    CampaignRecipient,
    ConsentRecord,
    Contact,
    Message,
)
from ..tenancy import visible

PAGE = 50
# Progress buckets, in the bar's order, with the message states each covers.
BUCKETS = {
    "waiting": ("queued", "sending", "paused"),
    "sent": ("sent",),
    # Meta's pacing of a template it is unsure of: accepted, delivered later.
    "held": ("held",),
    "delivered": ("delivered",),
    "read": ("read",),
    "limited": ("limited",),
    "failed": ("failed",),
}
LABELS = {
    "planned": _l("geplant"),
    "waiting": _l("in der Warteschlange"),
    "sent": _l("gesendet"),
    "delivered": _l("zugestellt"),
    "read": _l("gelesen"),
    "replied": _l("geantwortet"),
    "held": _l("von Meta zurückgehalten (Qualitätsprüfung)"),
    "limited": _l("von Meta begrenzt (Marketing-Limit)"),
    "failed": _l("fehlgeschlagen"),
    "skipped": _l("beim Senden zurückgehalten"),
    "left_out": _l("ausgelassen"),
    "cancelled": _l("abgebrochen"),
    "opted_out": _l("abgemeldet"),
    "not_read": _l("nicht gelesen"),
}


@dataclass
class Progress:
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def handed_over(self) -> int:
        return sum(self[key] for key in BUCKETS)

    @property
    def reached(self) -> int:
        """Accepted by Meta: sent, held, delivered or read."""
        return self["sent"] + self["held"] + self["delivered"] + self["read"]

    @property
    def total(self) -> int:
        """Everyone the campaign meant to reach (left-out rows aside)."""
        return self.handed_over + self["planned"] + self["skipped"] + self["cancelled"]

    def percent(self, key: str, of: int | None = None) -> int:
        whole = self.total if of is None else of
        return round(100 * self[key] / whole) if whole else 0

    def matching(self, key: str) -> int:
        """How many recipients a filter of the recipients table shows."""
        if key == "not_read":
            return self["sent"] + self["delivered"]
        return self[key]

    def step(self, key: str) -> int:
        """The share in steps of 5 % (CSS classes share-0 … share-100: no inline styles
        under the CSP); a part that exists shows at least one step."""
        share = self.percent(key)
        return max(5, 5 * round(share / 5)) if self[key] else 0

    def rate(self, part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f} %" if whole else "–"

    @property
    def delivery_rate(self) -> str:
        return self.rate(self["delivered"] + self["read"], self.reached)

    @property
    def read_rate(self) -> str:
        return self.rate(self["read"], self.reached)

    @property
    def reply_rate(self) -> str:
        return self.rate(self["replied"], self.reached)

    @property
    def opt_out_rate(self) -> str:
        return self.rate(self["opted_out"], self.reached)


def bucket_of(status: str | None) -> str:
    for bucket, states in BUCKETS.items():
        if status in states:
            return bucket
    return "waiting"


def progress(campaign: Campaign) -> Progress:
    """Counts per bucket, plus replies and opt-outs after the campaign's message."""
    rows = db.session.execute(
        select(CampaignRecipient.state, Message.status, func.count())
        .select_from(CampaignRecipient)
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.state, Message.status)
    ).all()
    counts: dict[str, int] = {}
    for state, status, count in rows:
        key = bucket_of(status) if state == "queued" else state
        counts[key] = counts.get(key, 0) + count
    counts["replied"] = count_of(campaign, CampaignRecipient.replied_at.is_not(None))
    counts["opted_out"] = count_of(campaign, opted_out_after())
    return Progress(counts)


def count_of(campaign: Campaign, condition) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign.id, condition)
        )
        or 0
    )


def opted_out_after():
    """The recipient stopped marketing or objected after their campaign message."""
    stopped = exists().where(
        ConsentRecord.contact_id == CampaignRecipient.contact_id,
        ConsentRecord.purpose == MARKETING,
        ConsentRecord.action == "opt_out",
        ConsentRecord.recorded_at >= CampaignRecipient.queued_at,
    )
    objected = exists().where(
        Contact.id == CampaignRecipient.contact_id,
        Contact.opted_out_at >= CampaignRecipient.queued_at,
    )
    return and_(CampaignRecipient.queued_at.is_not(None), or_(stopped, objected))


# The recipients table's filters: key → condition on the joined rows.
def filter_condition(key: str):
    if key in BUCKETS:
        return and_(
            CampaignRecipient.state == "queued", Message.status.in_(BUCKETS[key])
        )
    if key == "replied":
        return CampaignRecipient.replied_at.is_not(None)
    if key == "not_read":
        return and_(
            CampaignRecipient.state == "queued",
            Message.status.in_(("sent", "delivered")),
        )
    if key in ("planned", "skipped", "left_out", "cancelled"):
        return CampaignRecipient.state == key
    return None


FILTERS = (
    "sent",
    "held",
    "delivered",
    "read",
    "not_read",
    "replied",
    "waiting",
    "limited",
    "failed",
    "skipped",
    "left_out",
    "cancelled",
    "planned",
)


def recipients_page(campaign: Campaign, key: str, after: int | None):
    """(rows, next cursor): recipients in planned order, left-out ones last."""
    query = (
        select(
            CampaignRecipient,
            Contact,
            Message.status,
            Message.error_code,
            Message.error_title,
        )
        .join(Contact, Contact.id == CampaignRecipient.contact_id)
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRecipient.campaign_id == campaign.id, visible(Contact))
        .order_by(CampaignRecipient.id)
        .limit(PAGE + 1)
    )
    condition = filter_condition(key)
    if condition is not None:
        query = query.where(condition)
    if after:
        query = query.where(CampaignRecipient.id > after)
    rows = db.session.execute(query).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1][0].id if more else None)
