"""How stored codes read on the page: one table per kind of value, in the reader's language.

Meta's enum values (quality GREEN, template category MARKETING, status APPROVED)
and our own stored words (open, opt_in, owner) never reach a person as they are
stored. Every template reads them through the filters `init_app` registers once,
e.g. `{{ channel.quality_rating|quality_label }}`; Python code calls `label`.
A value no table knows yet (Meta adds new ones) reads as a lower-case phrase
("LIMIT_EXCEEDED" -> "limit exceeded") rather than as a code or an empty cell.
"""

from babel import Locale, UnknownLocaleError
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

QUALITY = {
    "GREEN": _l("gut"),
    "YELLOW": _l("mittel"),
    "RED": _l("niedrig"),
    "UNKNOWN": _l("noch nicht bewertet"),
    "NA": _l("noch nicht bewertet"),
}
TEMPLATE_CATEGORY = {
    "MARKETING": _l("Marketing"),
    "UTILITY": _l("Service-Mitteilung"),
    "AUTHENTICATION": _l("Anmeldecode"),
}
TEMPLATE_STATUS = {
    "APPROVED": _l("freigegeben"),
    "PENDING": _l("in Prüfung"),
    "REJECTED": _l("abgelehnt"),
    "PAUSED": _l("pausiert"),
    "DISABLED": _l("deaktiviert"),
    "DELETED": _l("gelöscht"),
    "PENDING_DELETION": _l("wird gelöscht"),
    "ARCHIVED": _l("archiviert"),
    "IN_APPEAL": _l("Einspruch läuft"),
    "LIMIT_EXCEEDED": _l("Vorlagen-Limit erreicht"),
    "LOCKED": _l("für Änderungen gesperrt"),
    "FLAGGED": _l("schlechte Rückmeldungen"),
    "REINSTATED": _l("freigegeben"),
    "UNKNOWN": _l("unbekannt"),
}
# Meta's rejection reasons; a pause arrives as Meta's own sentence (kept as is).
TEMPLATE_REASON = {
    "ABUSIVE_CONTENT": _l("unzulässiger Inhalt"),
    "INVALID_FORMAT": _l("ungültiges Format"),
    "PROMOTIONAL": _l("werblicher Inhalt"),
    "TAG_CONTENT_MISMATCH": _l("Inhalt passt nicht zur Kategorie"),
    "INCORRECT_CATEGORY": _l("falsche Kategorie"),
    "SCAM": _l("Verdacht auf Betrug"),
    "NONE": "",
}
MESSAGE_STATUS = {
    "queued": _l("wird gesendet"),
    "sending": _l("wird gesendet"),
    "sent": _l("gesendet"),
    "delivered": _l("zugestellt"),
    "read": _l("gelesen"),
    "played": _l("abgespielt"),
    "failed": _l("fehlgeschlagen"),
    "paused": _l("wartet: Vorlage pausiert"),
    "held": _l("von Meta zurückgehalten"),
    "limited": _l("von Meta begrenzt (Marketing-Limit)"),
    "received": _l("empfangen"),
}
CONVERSATION_STATE = {
    "open": _l("Offen"),
    "pending": _l("Wartend"),
    "snoozed": _l("Zurückgestellt"),
    "resolved": _l("Erledigt"),
    "all": _l("Alle"),
}
CAMPAIGN_STATE = {
    "draft": _l("Entwurf"),
    "scheduled": _l("Geplant"),
    "running": _l("Läuft"),
    "paused": _l("Angehalten"),
    "finished": _l("Abgeschlossen"),
    "cancelled": _l("Abgebrochen"),
}
# An agent's own status (Membership.status), set in the shell header.
AGENT_STATUS = {
    "online": _l("Online"),
    "away": _l("Abwesend"),
    "offline": _l("Offline"),
}
ASSIGNMENT_MODE = {
    "off": _l("Aus"),
    "round_robin": _l("Reihum"),
    "balanced": _l("Ausgewogen"),
}
# Rules (Automationen, models/rules.py): when, if, then, and how an action went.
AUTOMATION_TRIGGER = {
    "message_received": _l("Eine Nachricht kommt an"),
    "conversation_opened": _l("Ein Gespräch beginnt oder wird wieder geöffnet"),
    "lead_submitted": _l("Ein Lead-Formular wird abgeschickt"),
    "conversation_assigned": _l("Ein Gespräch wird zugewiesen"),
    "state_changed": _l("Der Status eines Gesprächs ändert sich"),
    "no_agent_answer": _l("Keine Antwort des Teams nach … Minuten"),
    "no_contact_answer": _l("Keine Antwort des Kontakts nach … Stunden"),
}
AUTOMATION_CONDITION = {
    "text_contains": _l("Text enthält eines der Wörter"),
    "text_equals": _l("Text ist genau"),
    "channel": _l("WhatsApp-Nummer ist"),
    "team": _l("Team ist"),
    "label": _l("Gespräch hat das Label"),
    "field": _l("Kontaktfeld hat den Wert"),
    "hours": _l("Geschäftszeiten"),
    "first_contact": _l("Erste Nachricht im Gespräch"),
    "consent": _l("Marketing-Einwilligung"),
    "campaign_reply": _l("Antwort auf eine Kampagne (letzte 7 Tage)"),
}
AUTOMATION_ACTION = {
    "assign_team": _l("Einem Team übergeben"),
    "assign_agent": _l("Einer Person zuweisen"),
    "assign_auto": _l("Automatisch zuweisen (nach den Team-Einstellungen)"),
    "add_label": _l("Label hinzufügen"),
    "remove_label": _l("Label entfernen"),
    "set_state": _l("Status setzen"),
    "snooze": _l("Zurückstellen für … Stunden"),
    "send_text": _l("Text senden (im 24-Stunden-Fenster)"),
    "send_template": _l("Freigegebene Vorlage senden"),
    "add_note": _l("Interne Notiz hinzufügen"),
    "set_field": _l("Kontaktfeld setzen"),
    "auto_replies_off": _l("Keine automatischen Antworten"),
}
AUTOMATION_OUTCOME = {
    "done": _l("ausgeführt"),
    "unchanged": _l("war schon so"),
    "missing": _l("nicht ausgeführt: nicht mehr vorhanden"),
    "queued": _l("angestoßen"),
    "waiting": _l("niemand verfügbar, das Gespräch wartet"),
    "assign_off": _l("nicht ausgeführt: das Team weist nicht automatisch zu"),
    "objected": _l("nicht gesendet: der Kontakt hat widersprochen"),
    "restricted": _l("nicht gesendet: die Verarbeitung ist eingeschränkt"),
    "no_identity": _l("nicht gesendet: keine WhatsApp-Nummer bekannt"),
    "number_unusable": _l("nicht gesendet: die Nummer braucht ein neues Token"),
    "window_closed": _l("nicht gesendet: das 24-Stunden-Fenster ist geschlossen"),
    "never_wrote": _l("nicht gesendet: der Kontakt hat noch nie geschrieben"),
    "template_paused": _l("nicht gesendet: Meta hat die Vorlage pausiert"),
    "template_unusable": _l(
        "nicht gesendet: Vorlage für diese Nummer nicht freigegeben"
    ),
    "needs_number": _l("nicht gesendet: Einmalcodes nur an Telefonnummern"),
    "marketing_opted_out": _l("nicht gesendet: Marketing abbestellt"),
    "missing_values": _l("nicht gesendet: Platzhalter ohne Wert beim Kontakt"),
    "refused": _l("nicht ausgeführt"),
}
ROLE = {
    "owner": _l("Inhaber"),
    "admin": _l("Administrator"),
    "agent": _l("Agent"),
}
CONSENT_PURPOSE = {
    "whatsapp_marketing": _l("WhatsApp-Marketing"),
    "whatsapp_service": _l("WhatsApp-Service"),
}
CONSENT_ACTION = {
    "opt_in": _l("Einwilligung"),
    "opt_out": _l("Widerruf/Abmeldung"),
    "taken_back": _l("Widerspruch zurückgenommen"),
}
CONSENT_SOURCE = {
    "lead_form": _l("Lead-Formular"),
    "import": _l("Import"),
    "agent": _l("vom Team erfasst"),
    "keyword": _l("Stichwort per WhatsApp"),
    "inbound_message": _l("Nachricht per WhatsApp"),
}
EVIDENCE = {
    "submission_id": _l("Formular-Eingang"),
    "form_id": _l("Formular"),
    "form_slug": _l("Formular-Adresse"),
    "page_url": _l("Seite"),
    "consent_text_sha256": _l("Prüfsumme des Wortlauts"),
    "import_id": _l("Import"),
    "file_sha256": _l("Prüfsumme der Datei"),
    "row": _l("Zeile"),
    "source": _l("Quelle laut Datei"),
    "given_at": _l("Erteilt am"),
    "message_wamid": _l("Nachricht"),
    "channel_id": _l("Nummer"),
    "conversation_id": _l("Gespräch"),
    "note": _l("Nachweis"),
}

# Filter name (`{{ value|<name> }}`) -> table. The consent names are also
# globals: the contact pages call them as functions.
TABLES = {
    "quality_label": QUALITY,
    "template_category_label": TEMPLATE_CATEGORY,
    "template_status_label": TEMPLATE_STATUS,
    "message_status_label": MESSAGE_STATUS,
    "conversation_state_label": CONVERSATION_STATE,
    "campaign_state_label": CAMPAIGN_STATE,
    "role_name": ROLE,
    "automation_trigger_label": AUTOMATION_TRIGGER,
    "automation_condition_label": AUTOMATION_CONDITION,
    "automation_action_label": AUTOMATION_ACTION,
    "automation_outcome_label": AUTOMATION_OUTCOME,
    "agent_status_label": AGENT_STATUS,
    "assignment_mode_label": ASSIGNMENT_MODE,
    "consent_purpose_label": CONSENT_PURPOSE,
    "consent_action_label": CONSENT_ACTION,
    "consent_source_label": CONSENT_SOURCE,
    "evidence_label": EVIDENCE,
}
GLOBALS = (
    "consent_purpose_label",
    "consent_action_label",
    "consent_source_label",
    "evidence_label",
)


def humanised(value: str) -> str:
    """A code no table knows, as words: "LIMIT_EXCEEDED" -> "limit exceeded"."""
    return value.replace("_", " ").strip().lower()


def label(table: dict, value) -> str:
    """The reader's words for a stored value; "" for none."""
    if value is None or value == "":
        return ""
    key = str(value)
    if key in table:
        return str(table[key])
    return humanised(key)


def template_reason(reason: str | None) -> str:
    """A known rejection code in words; Meta's own sentence (a pause) as it came."""
    if not reason:
        return ""
    if reason in TEMPLATE_REASON:
        return str(TEMPLATE_REASON[reason])
    return humanised(reason) if reason.isupper() and " " not in reason else reason


def language_name(code: str | None) -> str:
    """A template language ("de", "en_US") in the reader's language."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (ValueError, UnknownLocaleError):
        return code


def template_name(name: str | None) -> str:
    """A template's technical name made readable: "termin_erinnerung" -> "Termin erinnerung"."""
    words = " ".join((name or "").replace("_", " ").split())
    return words[:1].upper() + words[1:]


def template_title(template) -> str:
    """Readable name · language · category, as a template is offered."""
    parts = [template_name(template.name), language_name(template.language)]
    parts.append(label(TEMPLATE_CATEGORY, template.category))
    return " · ".join(part for part in parts if part)


def init_app(app: Flask) -> None:
    """Register every table as a Jinja filter (and the consent ones as globals)."""
    for name, table in TABLES.items():

        def read(value, table=table) -> str:
            return label(table, value)

        app.add_template_filter(read, name)
        if name in GLOBALS:
            app.add_template_global(read, name)
    app.add_template_filter(template_reason, "template_reason_label")
    app.add_template_filter(language_name, "language_name")
    app.add_template_filter(template_name, "template_name")
    app.add_template_filter(template_title, "template_title")
