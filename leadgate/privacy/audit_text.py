"""The audit trail as sentences: "Katrin Kollegin hat den Kontakt #3 exportiert (2 Einwilligungen, 14 Nachrichten)".

Each action's sentence and the details it tells are listed in audit.ACTIONS;
this module fills them in, in the reader's language. Details never read as
stored (`suppressed False`, `filters []`, `opt_in`): a detail without words
here is not shown. Objects are linked only while they exist; which still do is
asked once per object type for the whole page, not once per event. An erased
contact reads "Kontakt #3 (gelöscht)".
"""

import re
from collections.abc import Callable, Iterable

from flask import url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from .. import wording
from ..audit import ACTIONS
from ..costs.words import category_label
from ..extensions import db
from ..models import (
    AuditEvent,
    Campaign,
    Channel,
    Contact,
    ContactImport,
    Conversation,
    Team,
    User,
)

# What an event's object or a detail refers to: (model, endpoint, its id argument).
LINKED = {
    "contact": (Contact, "contacts.show", "contact_id"),
    "channel": (Channel, "channels.show", "channel_id"),
    "contactimport": (ContactImport, "contacts.import_result", "import_id"),
    "conversation": (Conversation, "inbox.show", "conversation_id"),
    "campaign": (Campaign, "campaigns.show", "campaign_id"),
    "team": (Team, "teams.show", "team_id"),
}
NAMED = re.compile(r"%\((\w+)\)s")
# Details that name another object: detail key -> object type.
REFERENCES = {"conversation_id": "conversation"}


class Page:
    """What the events of one page refer to: which objects exist, users' names."""

    def __init__(self, events: list[AuditEvent], workspace_id: int | None):
        wanted: dict[str, set[int]] = {kind: set() for kind in LINKED}
        users: set[int] = set()
        for event in events:
            if event.object_type in wanted and event.object_id is not None:
                wanted[event.object_type].add(event.object_id)
            details = event.details or {}
            for key, kind in REFERENCES.items():
                if isinstance(details.get(key), int):
                    wanted[kind].add(details[key])
            if isinstance(details.get("user_id"), int):
                users.add(details["user_id"])
        self.existing = {
            kind: self._existing(kind, ids, workspace_id)
            for kind, ids in wanted.items()
            if ids
        }
        self.users = self._users(users)

    @staticmethod
    def _existing(kind: str, ids: set[int], workspace_id: int | None) -> dict:
        """{id: name or None} of the objects that still exist (in this workspace)."""
        model = LINKED[kind][0]
        name = model.name if model in (Channel, Campaign, Team) else None
        query = select(model.id, name).where(model.id.in_(ids))
        if workspace_id is not None:
            query = query.where(model.workspace_id == workspace_id)
        return dict(db.session.execute(query).all())

    @staticmethod
    def _users(ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = db.session.execute(
            select(User.id, User.name).where(
                User.id.in_(ids), User.deleted_at.is_(None)
            )
        )
        return dict(rows.all())

    def link(self, kind: str, object_id: int, text: str) -> Markup | None:
        """The object's name linked to its page, or None when it is gone."""
        found = self.existing.get(kind, {})
        if object_id not in found:
            return None
        _model, endpoint, argument = LINKED[kind]
        href = url_for(endpoint, **{argument: object_id})
        return Markup('<a href="%s">%s</a>') % (href, text)


def sentences(events: list[AuditEvent], workspace_id: int | None) -> dict[int, Markup]:
    """Each event's sentence, by event id (one query per object type)."""
    page = Page(events, workspace_id)
    return {event.id: sentence(event, page) for event in events}


def sentence(event: AuditEvent, page: Page) -> Markup:
    action = ACTIONS.get(event.action)
    if action is None:  # an action since removed from the code
        return Markup(escape(_("%(actor)s: unbekannte Aktion", actor=actor(event))))
    details = event.details or {}
    template = action.sentence
    for key, value, variant in action.variants:
        if details.get(key) == value:
            template = variant
    values = {"actor": actor(event), "object": subject(event, page, action.removes)}
    values |= {name: fill(details, page) for name, fill in PLACEHOLDERS.items()}
    text = Markup(escape(str(template))) % values
    told = told_details(action, details, page)
    return text + Markup(" (%s)") % Markup(", ").join(told) if told else text


def told_details(action, details: dict, page: Page) -> list:
    """The bracketed details, in the action's order; `empty` when none says anything."""
    told, counted = [], False
    for key in action.details:
        if key not in details:
            continue
        phrase = PHRASES.get(key, lambda _value, _page: None)(details[key], page)
        if phrase:
            told.append(phrase)
            counted = counted or key != "via"
    if action.empty and not counted:
        told.insert(0, str(action.empty))
    return told


def actor(event: AuditEvent) -> str:
    """Who did it, as the sentence's subject."""
    if event.actor is not None and event.actor.deleted_at is None:
        return event.actor.name
    if (event.details or {}).get("via") == "cli":
        return _("Ein Server-Administrator")
    if event.actor_id is None and (
        event.action == "purge.run" or event.action.startswith("campaign.")
    ):
        return "LeadGate"
    return _("Ein ehemaliges Teammitglied")


def subject(event: AuditEvent, page: Page, removed: bool) -> Markup | str:
    """The event's object: linked while it exists, else marked as deleted."""
    kind, object_id = event.object_type, event.object_id
    if kind == "contact":
        text = _("Kontakt #%(id)s", id=object_id)
    elif kind == "channel":
        name = page.existing.get("channel", {}).get(object_id)
        text = _("WhatsApp-Nummer „%(name)s“", name=name) if name else None
        text = text or _("WhatsApp-Nummer #%(id)s", id=object_id)
    elif kind == "campaign":
        name = page.existing.get("campaign", {}).get(object_id)
        text = _("Kampagne „%(name)s“", name=name) if name else None
        text = text or _("Kampagne #%(id)s", id=object_id)
    elif kind == "team":
        name = page.existing.get("team", {}).get(object_id)
        text = _("Team „%(name)s“", name=name) if name else None
        text = text or _("Team #%(id)s", id=object_id)
    elif kind == "contactimport":
        text = _("Kontaktliste")
        return page.link(kind, object_id, text) or text
    else:
        return ""
    if removed:
        return text
    return page.link(kind, object_id, text) or _("%(name)s (gelöscht)", name=text)


def member(details: dict, page: Page) -> str:
    return page.users.get(details.get("user_id")) or _("ein ehemaliges Teammitglied")


def role(key: str) -> Callable[[dict, Page], str]:
    return lambda details, _page: wording.label(wording.ROLE, details.get(key))


PLACEHOLDERS: dict[str, Callable[[dict, Page], object]] = {
    "member": member,
    "role": role("role"),
    "before": role("before"),
    "after": role("after"),
    "purpose": lambda d, _page: wording.label(
        wording.CONSENT_PURPOSE, d.get("purpose")
    ),
    "merged": lambda d, _page: _("Kontakt #%(id)s", id=d.get("merged_id")),
    "name": lambda d, _page: d.get("name") or "",
}


def counted(words: Callable[[int], str]) -> Callable[[object, Page], str | None]:
    """A count in words; nothing for zero (or for a value that is not a count)."""

    def phrase(value, _page) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return None
        return words(value)

    return phrase


def flag(text: Callable[[], str]) -> Callable[[object, Page], str | None]:
    """A yes/no detail: its words when true, nothing when false."""
    return lambda value, _page: text() if value is True else None


def via(value, _page) -> str | None:
    if value == "cli":
        return _("über die Kommandozeile")
    if value == "ownership_transfer":
        return _("bei der Übergabe der Inhaberschaft")
    return None  # the web page (the usual way) or said by the sentence


FILTERS = {
    "q": lambda: _("Suche"),
    "consent": lambda: _("Einwilligung"),
    "label": lambda: _("Label"),
    "field": lambda: _("Feld"),
    "value": lambda: _("Feldinhalt"),
    "created_from": lambda: _("angelegt ab"),
    "created_to": lambda: _("angelegt bis"),
    "contacted_from": lambda: _("letzter Kontakt ab"),
    "contacted_to": lambda: _("letzter Kontakt bis"),
    "duplicates": lambda: _("Dubletten"),
}


def filters(value, _page) -> str | None:
    names = [FILTERS[key]() for key in value or () if key in FILTERS]
    return _("gefiltert nach: %(names)s", names=", ".join(names)) if names else None


RETENTION_WORDS = {
    "retention_messages_days": lambda: _("Nachrichten"),
    "retention_resolved_days": lambda: _("erledigte Gespräche"),
    "retention_submissions_days": lambda: _("Lead-Einsendungen"),
    "retention_idle_contacts_days": lambda: _("Kontakte ohne Gespräch"),
}


def period(key: str) -> Callable[[object, Page], str | None]:
    def phrase(value, _page) -> str | None:
        if not isinstance(value, dict):
            return None
        return _(
            "%(what)s von %(before)s auf %(after)s Tage",
            what=RETENTION_WORDS[key](),
            before=value.get("from") or "–",
            after=value.get("to") or "–",
        )

    return phrase


FIELDS = {
    "name": lambda: _("Name"),
    "visibility": lambda: _("Sichtbarkeit"),
    "capacity": lambda: _("Höchstzahl offener Gespräche"),
    "member_capacity": lambda: _("Höchstzahl einzelner Mitglieder"),
    "sticky": lambda: _("wiederkehrende Kontakte"),
}


def fields(value, _page) -> str | None:
    names = [FIELDS[key]() for key in value or () if key in FIELDS]
    return ", ".join(names) or None


def response_target(value, _page) -> str | None:
    if not isinstance(value, int):
        return None
    if value <= 0:
        return _("jetzt ohne Ziel")
    return ngettext("jetzt %(num)d Minute", "jetzt %(num)d Minuten", value)


def budget(value, _page) -> str | None:
    """The new monthly budget ("" when it was removed)."""
    if not isinstance(value, str):
        return None
    if not value:
        return _("jetzt ohne Budget")
    return _("jetzt %(amount)s € im Monat", amount=format_decimal(value, "#,##0.00"))


def rate(value, _page) -> str | None:
    """Which rate: country, category, EUR per message and from when."""
    if not isinstance(value, dict):
        return None
    eur = value.get("eur")
    return _(
        "%(country)s, %(category)s: %(eur)s ab %(day)s",
        country=value.get("country") or "–",
        category=category_label(value.get("category")),
        eur=_("%(amount)s €", amount=format_decimal(eur, "0.0000"))
        if eur
        else _("gelöscht"),
        day=value.get("valid_from") or "–",
    )


def visibility(value, _page) -> str | None:
    if value == "team":
        return _("jetzt nur das Team")
    if value == "workspace":
        return _("jetzt alle im Workspace")
    return None


def assignment_mode(value, _page) -> str | None:
    if value not in wording.ASSIGNMENT_MODE:
        return None
    return _("jetzt: %(mode)s", mode=wording.label(wording.ASSIGNMENT_MODE, value))


def conversation(value, page: Page) -> Markup | str | None:
    if not isinstance(value, int):
        return None
    text = _("im Posteingang")
    return page.link("conversation", value, text) or text


# Counted details: the count in words, nothing for zero (see counted()).
COUNTS: dict[str, Callable[[int], str]] = {
    "messages": lambda n: ngettext("%(num)d Nachricht", "%(num)d Nachrichten", n),
    "consents": lambda n: ngettext("%(num)d Einwilligung", "%(num)d Einwilligungen", n),
    "files": lambda n: ngettext("%(num)d Datei", "%(num)d Dateien", n),
    "recipients": lambda n: ngettext("%(num)d Empfänger", "%(num)d Empfänger", n),
    "campaigns": lambda n: ngettext(
        "Empfänger einer Kampagne", "Empfänger von %(num)d Kampagnen", n
    ),
    "conversations": lambda n: ngettext("%(num)d Gespräch", "%(num)d Gespräche", n),
    "notes": lambda n: ngettext("%(num)d Notiz", "%(num)d Notizen", n),
    "submissions": lambda n: ngettext(
        "%(num)d Formulareingang", "%(num)d Formulareingänge", n
    ),
    "media": lambda n: ngettext("%(num)d Anhang", "%(num)d Anhänge", n),
    "campaign_recipients": lambda n: ngettext(
        "%(num)d Kampagnen-Empfänger", "%(num)d Kampagnen-Empfänger", n
    ),
    "lead_submissions": lambda n: ngettext(
        "%(num)d Lead-Einsendung", "%(num)d Lead-Einsendungen", n
    ),
    "contacts": lambda n: ngettext("%(num)d Kontakt", "%(num)d Kontakte", n),
    "rows": lambda n: ngettext("%(num)d Zeile", "%(num)d Zeilen", n),
    "created": lambda n: ngettext("%(num)d neu angelegt", "%(num)d neu angelegt", n),
    "updated": lambda n: ngettext("%(num)d aktualisiert", "%(num)d aktualisiert", n),
    "left_out": lambda n: ngettext("%(num)d ausgelassen", "%(num)d ausgelassen", n),
    "members": lambda n: ngettext("%(num)d Mitglied", "%(num)d Mitglieder", n),
    "channels": lambda n: ngettext(
        "%(num)d WhatsApp-Nummer", "%(num)d WhatsApp-Nummern", n
    ),
    "memberships": lambda n: ngettext(
        "in %(num)d Workspace", "in %(num)d Workspaces", n
    ),
    "count": lambda n: ngettext("%(num)d Webhook", "%(num)d Webhooks", n),
    "added": lambda n: ngettext("%(num)d hinzugefügt", "%(num)d hinzugefügt", n),
    "removed": lambda n: ngettext("%(num)d entfernt", "%(num)d entfernt", n),
    "taken": lambda n: ngettext(
        "davon %(num)d aus einem anderen Team", "davon %(num)d aus anderen Teams", n
    ),
    "moved": lambda n: ngettext(
        "%(num)d Gespräch wechselte mit", "%(num)d Gespräche wechselten mit", n
    ),
    "access_logs": lambda n: ngettext(
        "%(num)d Zugriffsprotokoll", "%(num)d Zugriffsprotokolle", n
    ),
    "cookie_consents": lambda n: ngettext(
        "%(num)d Cookie-Nachweis", "%(num)d Cookie-Nachweise", n
    ),
    "inquiries": lambda n: ngettext("%(num)d Anfrage", "%(num)d Anfragen", n),
    "webhook_events": lambda n: ngettext("%(num)d Webhook", "%(num)d Webhooks", n),
    "channel_events": lambda n: ngettext(
        "%(num)d Kontoereignis", "%(num)d Kontoereignisse", n
    ),
    "login_sessions": lambda n: ngettext("%(num)d Anmeldung", "%(num)d Anmeldungen", n),
    "remembered_devices": lambda n: ngettext(
        "%(num)d gemerktes Gerät", "%(num)d gemerkte Geräte", n
    ),
    "accounts": lambda n: ngettext(
        "%(num)d Benutzerkonto", "%(num)d Benutzerkonten", n
    ),
}

PHRASES: dict[str, Callable[[object, Page], object]] = {
    **{key: counted(words) for key, words in COUNTS.items()},
    "suppressed": flag(lambda: _("Nummer auf der Sperrliste, weil widersprochen")),
    "access_token": flag(lambda: _("Zugriffstoken")),
    "app_secret": flag(lambda: _("App-Geheimnis")),
    "via": via,
    "filters": filters,
    "fields": fields,
    "mode": assignment_mode,
    "visibility": visibility,
    "minutes": response_target,
    "budget": budget,
    "rate": rate,
    "conversation_id": conversation,
    **{key: period(key) for key in RETENTION_WORDS},
}


def unworded(actions: Iterable[str] = ACTIONS) -> list[str]:
    """Actions whose sentence or details name something without words here."""
    known = {"actor", "object", *PLACEHOLDERS}
    missing = []
    for name in actions:
        action = ACTIONS[name]
        for template in (action.sentence, *(v[2] for v in action.variants)):
            missing += [
                name for key in NAMED.findall(str(template)) if key not in known
            ]
        missing += [name for key in action.details if key not in PHRASES]
    return missing
