"""Business hours and automatic replies as the settings pages change and show them.

The caller commits. Whether a team is open is not decided here but in
schedule.py; this module only stores what the owners and admins set.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import (
    AutoReplySettings,
    BusinessClosure,
    BusinessHours,
    Channel,
    Team,
    Workspace,
    channels_of,
)
from ..models.hours import AWAY, WELCOME
from .forms import AutoRepliesForm, HoursForm
from .texts import DEFAULT_TEXTS

Owner = Team | Channel


def hours_of(owner: Owner) -> BusinessHours | None:
    """The team's or the number's own hours row, active or not."""
    column = (
        BusinessHours.team_id if isinstance(owner, Team) else BusinessHours.channel_id
    )
    return db.session.scalar(select(BusinessHours).where(column == owner.id))


def save_hours(owner: Owner, workspace: Workspace, form: HoursForm) -> BusinessHours:
    """Store the week and whether it holds; the zone and holidays are the workspace's."""
    row = hours_of(owner)
    if row is None:
        row = BusinessHours(workspace_id=owner.workspace_id, **owner_key(owner))
        db.session.add(row)
    row.active = bool(form.active.data)
    row.week = form.week()
    workspace.holiday_region = form.holiday_region.data or None
    workspace.time_zone = form.time_zone.data or workspace.time_zone
    db.session.flush()
    record_change(owner)
    return row


def record_change(owner: Owner) -> None:
    """Audit a change of the hours or closures (ids only; the times are no secret
    but a trail of who changed when the business answers is what counts)."""
    kind = "team" if isinstance(owner, Team) else "channel"
    audit.record(owner.workspace_id, f"{kind}.hours_changed", owner)


def owner_key(owner: Owner) -> dict[str, int]:
    return (
        {"team_id": owner.id} if isinstance(owner, Team) else {"channel_id": owner.id}
    )


def owner_of(row: BusinessHours) -> Owner:
    """The team or number whose hours these are."""
    owner = (
        db.session.get(Team, row.team_id)
        if row.team_id is not None
        else db.session.get(Channel, row.channel_id)
    )
    assert owner is not None  # the row goes with its owner (ON DELETE CASCADE)
    return owner


def closures_of(row: BusinessHours | None) -> list[BusinessClosure]:
    if row is None:
        return []
    return list(
        db.session.scalars(
            select(BusinessClosure)
            .where(BusinessClosure.hours_id == row.id)
            .order_by(BusinessClosure.first_day, BusinessClosure.id)
        )
    )


def add_closure(row: BusinessHours, days: tuple[date, date], note: str) -> None:
    first, last = days
    record_change(owner_of(row))
    db.session.add(
        BusinessClosure(
            workspace_id=row.workspace_id,
            hours_id=row.id,
            first_day=first,
            last_day=last,
            note=note,
        )
    )


def delete_closure(closure: BusinessClosure) -> None:
    row = db.session.get(BusinessHours, closure.hours_id)
    assert row is not None  # a closure goes with its hours (ON DELETE CASCADE)
    record_change(owner_of(row))
    db.session.delete(closure)


def settings_for(workspace_id: int) -> AutoReplySettings:
    """The workspace's reply settings; a new, switched-off one with default texts."""
    settings = db.session.scalar(
        select(AutoReplySettings).where(AutoReplySettings.workspace_id == workspace_id)
    )
    if settings is None:
        settings = AutoReplySettings(
            workspace_id=workspace_id,
            welcome_on=False,
            away_on=False,
            language="de",
            second_language="en",
            welcome_text=DEFAULT_TEXTS[(WELCOME, "de")],
            welcome_text_second=DEFAULT_TEXTS[(WELCOME, "en")],
            away_text=DEFAULT_TEXTS[(AWAY, "de")],
            away_text_second=DEFAULT_TEXTS[(AWAY, "en")],
            period_hours=24,
        )
    return settings


def save_settings(settings: AutoReplySettings, form: AutoRepliesForm) -> None:
    settings.welcome_on = bool(form.welcome_on.data)
    settings.away_on = bool(form.away_on.data)
    settings.language = form.language.data or "de"
    settings.second_language = form.second_language.data or None
    settings.welcome_text = form.welcome_text.data or ""
    settings.welcome_text_second = form.welcome_text_second.data or None
    settings.away_text = form.away_text.data or ""
    settings.away_text_second = form.away_text_second.data or None
    settings.period_hours = form.period_hours.data or 24
    if settings.id is None:
        db.session.add(settings)
    audit.record(settings.workspace_id, "auto_replies.changed")


@dataclass(frozen=True)
class HoursRow:
    """A team or number on the overview: its hours in short, and where to set them."""

    name: str
    summary: str
    endpoint: str
    values: dict


def overview(workspace_id: int) -> list[HoursRow]:
    """Every team and number of the workspace with the hours that hold for it."""
    teams = db.session.scalars(
        select(Team)
        .where(Team.workspace_id == workspace_id)
        .order_by(Team.name, Team.id)
    ).all()
    rows = {
        (row.team_id, row.channel_id): row
        for row in db.session.scalars(
            select(BusinessHours).where(BusinessHours.workspace_id == workspace_id)
        )
    }
    found = []
    for team in teams:
        row = rows.get((team.id, None))
        found.append(
            HoursRow(
                team.name, team_summary(row), "hours.team_hours", {"team_id": team.id}
            )
        )
    names = {team.id: team.name for team in teams}
    for channel in channels_of(workspace_id):
        row = rows.get((None, channel.id))
        summary = (
            week_summary(row.week)
            if row is not None and row.active
            else number_fallback(
                names.get(channel.team_id) if channel.team_id else None
            )
        )
        found.append(
            HoursRow(
                channel.name, summary, "hours.number_hours", {"channel_id": channel.id}
            )
        )
    return found


def team_summary(row: BusinessHours | None) -> str:
    if row is None or not row.active:
        return _("keine Geschäftszeiten: immer erreichbar")
    return week_summary(row.week)


def number_fallback(team_name: str | None) -> str:
    if team_name is None:
        return _("kein Team: immer erreichbar")
    return _("wie das Team „%(team)s“", team=team_name)


def day_names(width: Literal["abbreviated", "wide"] = "wide") -> list[str]:
    """Monday to Sunday in the reader's language."""
    names = get_day_names(width, locale=str(get_locale() or "de"))
    return [names[day] for day in range(7)]


def week_summary(week: dict) -> str:
    """The week in short: "Mo.–Fr. 09:00–18:00; Sa. 10:00–14:00" (closed days left out)."""
    names = day_names("abbreviated")
    days = [tuple(tuple(span) for span in week.get(str(day), [])) for day in range(7)]
    parts, start = [], 0
    for day in range(1, 8):
        if day < 7 and days[day] == days[start]:
            continue
        if days[start]:
            label = (
                names[start] if day - 1 == start else f"{names[start]}–{names[day - 1]}"
            )
            spans = ", ".join(f"{a}–{b}" for a, b in days[start])
            parts.append(f"{label} {spans}")
        start = day
    return "; ".join(parts) or _("die ganze Woche geschlossen")
