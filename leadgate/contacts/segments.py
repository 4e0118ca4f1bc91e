"""Segments (Zielgruppen): the contact list's filters saved under a name.

A segment keeps the list's query arguments, not its members: counted and
opened, it shows whoever matches now (a contact who objected yesterday drops
out of a "Eingewilligt" segment today). Campaigns will take their audience
from here.
"""

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Campaign, Channel, ContactField, Label, LeadForm, Segment
from .listing import ContactFilters

# How a campaign filter reads, by outcome ("" : received it).
CAMPAIGN_OUTCOMES = {
    "": _l("Kampagne erhalten"),
    "received": _l("Kampagne erhalten"),
    "not_read": _l("Kampagne nicht gelesen"),
    "not_replied": _l("Auf Kampagne nicht geantwortet"),
}


def filters_of(segment: Segment) -> ContactFilters:
    return ContactFilters.from_args(MultiDict(segment.filters))


def segments_of(workspace_id: int) -> list[Segment]:
    return list(
        db.session.scalars(
            select(Segment)
            .where(Segment.workspace_id == workspace_id)
            .order_by(func.lower(Segment.name), Segment.id)
        )
    )


def name_taken(workspace_id: int, name: str) -> bool:
    return (
        db.session.scalar(
            select(Segment.id).where(
                Segment.workspace_id == workspace_id,
                func.lower(Segment.name) == name.lower(),
            )
        )
        is not None
    )


def ids_are_ours(workspace_id: int, filters: ContactFilters) -> bool:
    """Every id the filters name (label, lead form, number) is the workspace's own."""
    for model, object_id in (
        (Label, filters.label),
        (LeadForm, filters.lead_form),
        (Channel, filters.channel),
        (Campaign, filters.campaign),
    ):
        if object_id is not None and name_of(model, workspace_id, object_id) is None:
            return False
    return True


def name_of(model, workspace_id: int, object_id: int) -> str | None:
    return db.session.scalar(
        select(model.name).where(
            model.id == object_id, model.workspace_id == workspace_id
        )
    )


def save(workspace_id: int, user_id: int, name: str, filters: ContactFilters):
    segment = Segment(
        workspace_id=workspace_id,
        name=name,
        filters=filters.args(),
        created_by_id=user_id,
    )
    db.session.add(segment)
    return segment


def describe(workspace_id: int, filters: ContactFilters) -> list[str]:
    """The filters in words, for the segment list ("Label: Messe", …)."""
    consent = {
        "opt_in": _("Eingewilligt"),
        "opt_out": _("Abgemeldet"),
        "none": _("Keine Angabe"),
    }
    parts = []
    if filters.q:
        parts.append(_("Suche: „%(q)s“", q=filters.q))
    if filters.consent:
        parts.append(
            _("Marketing-Einwilligung: %(state)s", state=consent[filters.consent])
        )
    for model, object_id, title in (
        (Label, filters.label, _("Label")),
        (LeadForm, filters.lead_form, _("Lead-Formular")),
        (Channel, filters.channel, _("Zuletzt über Nummer")),
        (Campaign, filters.campaign, CAMPAIGN_OUTCOMES[filters.campaign_outcome]),
    ):
        if object_id is not None:
            name = name_of(model, workspace_id, object_id) or _("gelöscht")
            parts.append(f"{title}: {name}")
    if filters.field and filters.value:
        label = db.session.scalar(
            select(ContactField.label).where(
                ContactField.workspace_id == workspace_id,
                ContactField.key == filters.field,
            )
        )
        parts.append(
            _(
                "%(field)s enthält „%(value)s“",
                field=label or filters.field,
                value=filters.value,
            )
        )
    for title, start, end in (
        (_("Angelegt"), filters.created_from, filters.created_to),
        (_("Letzter Kontakt"), filters.contacted_from, filters.contacted_to),
    ):
        if start or end:
            parts.append(f"{title}: {date_range(start, end)}")
    for title, days in (
        (_("Angelegt"), filters.created_within),
        (_("Letzter Kontakt"), filters.contacted_within),
    ):
        if days:
            parts.append(
                ngettext(
                    "%(title)s in den letzten %(num)d Tag",
                    "%(title)s in den letzten %(num)d Tagen",
                    days,
                    title=title,
                )
            )
    if filters.duplicates:
        parts.append(_("nur mögliche Dubletten"))
    return parts or [_("Alle Kontakte")]


def date_range(start, end) -> str:
    if start and end:
        return _(
            "%(start)s bis %(end)s", start=format_date(start), end=format_date(end)
        )
    if start:
        return _("ab %(start)s", start=format_date(start))
    return _("bis %(end)s", end=format_date(end))
