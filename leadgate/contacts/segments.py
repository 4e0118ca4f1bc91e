"""Segments (Zielgruppen): the contact list's filters saved under a name.

A segment keeps the list's query arguments, not its members: counted and
opened, it shows whoever matches now (a contact who objected yesterday drops
out of a "Eingewilligt" segment today). Campaigns will take their audience
from here.
"""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Contact, ContactField, Label, Segment
from .listing import ContactFilters, conditions

MAX_NAME_LENGTH = 80


def filters_of(segment: Segment) -> ContactFilters:
    return ContactFilters.from_args(MultiDict(segment.filters))


def member_count(workspace_id: int, filters: ContactFilters) -> int:
    """How many contacts the filters match now (what the list would show)."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(*conditions(workspace_id, filters))
    )
    return count or 0


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


def label_is_ours(workspace_id: int, filters: ContactFilters) -> bool:
    """A label filter names one of the workspace's labels (or none is set)."""
    if filters.label is None:
        return True
    return (
        db.session.scalar(
            select(Label.id).where(
                Label.id == filters.label, Label.workspace_id == workspace_id
            )
        )
        is not None
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
    if filters.label is not None:
        name = db.session.scalar(
            select(Label.name).where(
                Label.id == filters.label, Label.workspace_id == workspace_id
            )
        )
        parts.append(_("Label: %(name)s", name=name or _("gelöscht")))
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
