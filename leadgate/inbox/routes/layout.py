"""The inbox's arrangement: the side panel's remembered state, the list's formats.

On wide screens the contact and team panel is a column that the thread
header's "Kontakt" button collapses. The choice is remembered in the Flask
session, as the language choice is (i18n.py): the server writes it on a small
POST and renders the page as it was left, so nothing flickers and nothing is
kept in browser storage. It lasts as long as the login on that browser: a
layout choice belongs to the screen it was made on (a second monitor and a
laptop differ), which a column on the user would not express. On phones and
tablets the panel is a drawer that always starts closed (app.js).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from babel import dates
from flask import g, session
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import func, select

from ...errors import valid_form
from ...extensions import db
from ...models import STATES, Campaign, Channel, as_utc
from ...tenancy import current_membership, workspace_required
from ...urls import url_for_each
from ...wording import CONVERSATION_STATE
from ..forms import PanelForm
from ..listing import Filters
from .blueprint import bp

PANEL_KEY = "inbox_panel"
WEEK = 7


def panel_open() -> bool:
    """Whether the side panel shows beside the thread on wide screens."""
    return session.get(PANEL_KEY) != "closed"


@bp.post("/panel")
@workspace_required()
def remember_panel():
    """Remember the panel's state (app.js posts it on each toggle); nothing to swap."""
    form = valid_form(PanelForm)
    session[PANEL_KEY] = form.state.data
    return "", 204


Options = list[tuple[str, str]]  # (value, text) of a filter's choices


@dataclass
class FilterChoices:
    """The filters' choices, and the active ones as chips (text, args without it)."""

    state: Options
    assignee: Options
    label: Options
    channel: Options
    team: Options
    overdue: Options
    chips: list[tuple[str, dict]] = field(default_factory=list)


def filter_choices(
    filters: Filters, teammates, labels, channels, teams=()
) -> FilterChoices:
    """What the filter bar and the phone's filter sheet offer; what is set."""
    choices = FilterChoices(
        state=[(state, str(CONVERSATION_STATE[state])) for state in STATES]
        + [("all", _("Alle Gespräche"))],
        assignee=[
            ("all", _("Alle Zuständigen")),
            ("me", _("Mir zugewiesen")),
            ("none", _("Nicht zugewiesen")),
        ]
        + [(str(user.id), user.name) for user in teammates],
        label=[("", _("Alle Labels"))] + [(str(x.id), x.name) for x in labels],
        channel=[("", _("Alle Nummern"))] + [(str(x.id), x.name) for x in channels],
        team=[("", _("Alle Teams"))] + [(str(x.id), x.name) for x in teams],
        overdue=[("", _("Alle Wartezeiten")), ("1", _("Überfällig"))],
    )
    defaults = Filters()
    for key, options, fallback in (
        ("state", choices.state, ""),
        ("assignee", choices.assignee, _("Ehemaliges Teammitglied")),
        ("label", choices.label, _("Label")),
        ("channel", choices.channel, _("Nummer")),
        ("team", choices.team, _("Team")),
        ("overdue", choices.overdue, ""),
    ):
        value = getattr(filters, key)
        if value != getattr(defaults, key):
            text = dict(options).get(str(value), fallback)
            choices.chips.append((text, filters.args(**{key: getattr(defaults, key)})))
    if filters.campaign is not None:
        name = db.session.scalar(
            select(Campaign.name).where(
                Campaign.id == filters.campaign,
                Campaign.workspace_id == current_membership().workspace_id,
            )
        )
        text = _("Antworten auf „%(name)s“", name=name or "?")
        choices.chips.append((text, filters.args(campaign=None)))
    return choices


def channel_count() -> int:
    """How many numbers the workspace has: rows name theirs only when there are two."""
    if "channel_count" not in g:
        g.channel_count = db.session.scalar(
            select(func.count(Channel.id)).where(
                Channel.workspace_id == current_membership().workspace_id
            )
        )
    return g.channel_count


def reader_clock():
    """The reader's locale and time zone, looked up once per request.

    Flask-Babel looks both up again on every call; for the 50 rows of a page
    that was a fifth of the list's server time.
    """
    if "reader_clock" not in g:
        g.reader_clock = (get_locale(), get_timezone())
    return g.reader_clock


def list_time(value: datetime | None, now: datetime | None = None) -> str:
    """A row's time as messengers show it: 14:05, Gestern, Mo., 03.02.26."""
    if value is None:
        return ""
    locale, zone = reader_clock()
    local = as_utc(value).astimezone(zone)
    days = ((now or datetime.now(UTC)).astimezone(zone).date() - local.date()).days
    if days <= 0:
        # Babel takes ~0.1 ms a call; rows of one page share their minutes often.
        cache = g.setdefault("list_times", {})
        key = (local.hour, local.minute)
        if key not in cache:
            cache[key] = dates.format_time(local, "short", tzinfo=zone, locale=locale)
        text: str = cache[key]
        return text
    if days == 1:
        return _("Gestern")
    if days < WEEK:
        return dates.format_date(local.date(), "EEE", locale=locale)
    return dates.format_date(local.date(), "short", locale=locale)


def initial(name: str | None) -> str:
    """The avatar's letter: the name's first letter, "" for a number or symbol."""
    first = (name or "").strip()[:1]
    return first.upper() if first.isalpha() else ""


bp.add_app_template_global(url_for_each, "url_for_each")
bp.add_app_template_global(panel_open, "inbox_panel_open")
bp.add_app_template_global(channel_count, "inbox_channel_count")
bp.add_app_template_global(filter_choices, "inbox_filter_choices")
bp.add_app_template_filter(list_time, "list_time")
bp.add_app_template_filter(initial, "initial")
