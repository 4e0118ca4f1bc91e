"""The contact list: search, filters and keyset pages, shared by the page and the CSV export.

Pages are cut by (created_at, id), newest first, like the inbox list: a page
costs what the first one costs. "Last contact" is the latest activity of the
contact's conversations, read per page with one grouped query.
"""

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from ..extensions import db
from ..inbox.search import like_pattern, number_matches, region_of
from ..listing import Cursor, date_conditions, newest_first, parse_date_arg
from ..models import (
    Campaign,
    CampaignRecipient,
    Contact,
    ContactLabel,
    Conversation,
    Label,
    LeadSubmission,
    Message,
    utcnow,
)
from ..models.labels import labels_by
from ..tenancy import visible

PAGE_SIZE = 50
CONSENT_CHOICES = ("opt_in", "opt_out", "none")
# "In the last N days": a window that moves with today, so that a saved segment
# ("wrote in the last 30 days") means the same thing next month.
WITHIN_DAYS = (7, 30, 90, 365)
# What a recipient of a campaign did: received it (Meta accepted it), did not
# read it, did not reply — the audience of "again, to those who did not read".
CAMPAIGN_OUTCOMES = ("received", "not_read", "not_replied")
ACCEPTED = ("sent", "delivered", "read", "held")


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    consent: str = ""  # CONSENT_CHOICES, marketing
    label: int | None = None
    field: str = ""  # a ContactField key …
    value: str = ""  # … and the text its value contains
    created_from: date | None = None
    created_to: date | None = None
    contacted_from: date | None = None
    contacted_to: date | None = None
    created_within: int | None = None  # days, WITHIN_DAYS
    contacted_within: int | None = None  # days, WITHIN_DAYS
    lead_form: int | None = None  # sent this lead form
    channel: int | None = None  # last in touch through this number
    duplicates: bool = False
    campaign: int | None = None  # a recipient of this campaign …
    campaign_outcome: str = ""  # … who CAMPAIGN_OUTCOMES

    @classmethod
    def from_args(cls, args) -> "ContactFilters":
        """Unknown or malformed values fall back to "no filter" instead of an error."""
        consent = args.get("consent", "")
        outcome = args.get("campaign_outcome", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            consent=consent if consent in CONSENT_CHOICES else "",
            label=args.get("label", type=int),
            field=args.get("field", "").strip()[:40],
            value=args.get("value", "").strip()[:100],
            created_from=parse_date_arg(args.get("created_from")),
            created_to=parse_date_arg(args.get("created_to")),
            contacted_from=parse_date_arg(args.get("contacted_from")),
            contacted_to=parse_date_arg(args.get("contacted_to")),
            created_within=within_arg(args.get("created_within")),
            contacted_within=within_arg(args.get("contacted_within")),
            lead_form=args.get("lead_form", type=int),
            channel=args.get("channel", type=int),
            duplicates=args.get("duplicates") == "1",
            campaign=args.get("campaign", type=int),
            campaign_outcome=outcome if outcome in CAMPAIGN_OUTCOMES else "",
        )

    def args(self, **changes) -> dict:
        """Query string arguments: only what is set."""
        values = asdict(replace(self, **changes))
        return {
            key: ("1" if value is True else str(value))
            for key, value in values.items()
            if value not in (None, "", False)
        }

    @property
    def active(self) -> bool:
        return bool(self.args())

    @property
    def more_active(self) -> bool:
        """A filter beyond search, consent and label is set (its panel opens)."""
        return bool(set(self.args()) - {"q", "consent", "label"})


def within_arg(value: str | None) -> int | None:
    """One of WITHIN_DAYS from the query string, else None (no filter)."""
    return int(value) if value in {str(days) for days in WITHIN_DAYS} else None


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def last_contact():
    """Correlated: the latest activity in the contact's conversations."""
    return (
        select(func.max(Conversation.last_activity_at))
        .where(Conversation.contact_id == Contact.id)
        .scalar_subquery()
    )


def last_channel():
    """Correlated: the number of the contact's latest conversation activity.

    The number a campaign should come from: the one the person last wrote to
    or was answered on (sales and recruiting may share a contact).
    """
    return (
        select(Conversation.channel_id)
        .where(Conversation.contact_id == Contact.id)
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def match_count(workspace_id: int, filters: ContactFilters) -> int:
    """How many contacts the filters match now (the list's count, a segment's size)."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(*conditions(workspace_id, filters), visible(Contact))
    )
    return count or 0


def conditions(workspace_id: int, filters: ContactFilters) -> list:
    found = [Contact.workspace_id == workspace_id]
    if filters.q:
        found.append(search(filters.q, region_of(workspace_id)))
    if filters.consent == "none":
        found.append(Contact.marketing_consent.is_(None))
    elif filters.consent:
        found.append(Contact.marketing_consent == filters.consent)
    if filters.label:
        found.append(
            exists().where(
                ContactLabel.contact_id == Contact.id,
                ContactLabel.label_id == filters.label,
            )
        )
    if filters.lead_form:
        found.append(
            exists().where(
                LeadSubmission.contact_id == Contact.id,
                LeadSubmission.form_id == filters.lead_form,
            )
        )
    if filters.channel:
        found.append(last_channel() == filters.channel)
    if filters.field and filters.value:
        value = Contact.attributes[filters.field].as_string()
        found.append(value.ilike(like_pattern(filters.value), escape="\\"))
    found += date_conditions(
        Contact.created_at, filters.created_from, filters.created_to
    )
    if filters.contacted_from or filters.contacted_to:
        found += date_conditions(
            last_contact(), filters.contacted_from, filters.contacted_to
        )
    if filters.created_within:
        found.append(Contact.created_at >= days_ago(filters.created_within))
    if filters.contacted_within:
        found.append(last_contact() >= days_ago(filters.contacted_within))
    if filters.duplicates:
        found.append(has_duplicate())
    if filters.campaign:
        found.append(campaign_outcome(filters.campaign, filters.campaign_outcome))
    return found


def launched_campaigns(workspace_id: int) -> list[Campaign]:
    """Campaigns that sent something, newest first: the campaign filter's choices
    (and the wizard's "again, to those who …" audiences)."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(
                Campaign.workspace_id == workspace_id,
                Campaign.launched_at.is_not(None),
            )
            .order_by(Campaign.id.desc())
        )
    )


def campaign_outcome(campaign_id: int, outcome: str):
    """The contact got this campaign's message (and did not read or reply to it)."""
    received = [
        CampaignRecipient.contact_id == Contact.id,
        CampaignRecipient.campaign_id == campaign_id,
        CampaignRecipient.state == "queued",
        Message.id == CampaignRecipient.message_id,
        Message.status.in_(ACCEPTED),
    ]
    if outcome == "not_read":
        received.append(Message.status != "read")
    elif outcome == "not_replied":
        received.append(CampaignRecipient.replied_at.is_(None))
    return exists().where(*received)


def search(q: str, region: str):
    """Name (own, WhatsApp, username), email, or the number as the inbox finds it."""
    pattern = like_pattern(q)
    found = [
        Contact.name.ilike(pattern, escape="\\"),
        Contact.profile_name.ilike(pattern, escape="\\"),
        Contact.username.ilike(pattern, escape="\\"),
        Contact.email.ilike(pattern, escape="\\"),
    ]
    number = number_matches(q, region)  # "0170 …" in the workspace's region
    if number is not None:
        found.append(number)
    return or_(*found)


def has_duplicate():
    """Another contact of the workspace with the same number or username."""
    other = aliased(Contact)
    return exists().where(
        other.workspace_id == Contact.workspace_id,
        other.id != Contact.id,
        or_(
            and_(
                Contact.phone_e164.is_not(None),
                other.phone_e164 == Contact.phone_e164,
            ),
            and_(Contact.username.is_not(None), other.username == Contact.username),
        ),
    )


def contact_page(
    workspace_id: int, filters: ContactFilters, after: Cursor | None = None
) -> tuple[list[Contact], Cursor | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    query = select(Contact).where(*conditions(workspace_id, filters), visible(Contact))
    return newest_first(query, Contact.created_at, Contact.id, after, PAGE_SIZE)


def labels_of(contact_ids: list[int]) -> dict[int, list[Label]]:
    """The labels of many contacts with one query."""
    return labels_by(ContactLabel.contact_id, contact_ids)


def last_contacts(contact_ids: list[int], seen=None) -> dict[int, datetime]:
    """The latest conversation activity of many contacts with one query.

    seen: a condition on Conversation (tenancy.visible) that a page adds, so a
    hidden team's conversation does not show when a contact last wrote.
    """
    if not contact_ids:
        return {}
    return dict(
        db.session.execute(
            select(Conversation.contact_id, func.max(Conversation.last_activity_at))
            .where(
                Conversation.contact_id.in_(contact_ids),
                true() if seen is None else seen,
            )
            .group_by(Conversation.contact_id)
        ).all()
    )
