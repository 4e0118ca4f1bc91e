"""The audit trail: one call records who did what to which object (never content).

Call `record` inside the transaction of the change itself, so an audited change
and its record commit together or not at all. Details are ids, counts, roles and
field names — no message text, no phone number, no name of a contact.

ACTIONS is the one list of what can be recorded: each action with its name in
the page's filter and the sentence that tells one event of it (filled in by
privacy/audit_text.py). `record` refuses an action that is not listed, so none
can be recorded without its sentence.
"""

from dataclasses import dataclass

from flask import has_request_context
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import db
from .models import AuditEvent, User, utcnow


@dataclass(frozen=True)
class Action:
    """How the trail names an action and tells one of its events.

    `sentence` may use %(actor)s, %(object)s and the detail placeholders of
    audit_text.PLACEHOLDERS; `details` are the detail keys told in brackets
    after it, in this order (audit_text.PHRASES); `variants` replace the
    sentence when a detail has a value: ((key, value, sentence), ...); `empty`
    is said in brackets when no detail is; `removes` marks an action that ends
    its object (named without a link and without "deleted").
    """

    label: LazyString
    sentence: LazyString
    details: tuple[str, ...] = ()
    variants: tuple[tuple[str, object, LazyString], ...] = ()
    empty: LazyString | None = None
    removes: bool = False


PURGED = (
    "messages",
    "media",
    "conversations",
    "lead_submissions",
    "contacts",
    "campaign_recipients",
    # the platform's own records (an event without workspace)
    "access_logs",
    "cookie_consents",
    "inquiries",
    "webhook_events",
    "channel_events",
    "login_sessions",
    "remembered_devices",
    "accounts",
)
RETENTION = (
    "retention_messages_days",
    "retention_resolved_days",
    "retention_submissions_days",
    "retention_idle_contacts_days",
)

ACTIONS = {
    "contact.exported": Action(
        _l("Kontaktdaten exportiert"),
        _l("%(actor)s hat den %(object)s exportiert"),
        ("consents", "messages", "files", "via"),
    ),
    "contact.erased": Action(
        _l("Kontakt gelöscht"),
        _l("%(actor)s hat den %(object)s gelöscht"),
        ("conversations", "messages", "notes", "consents", "submissions", "files")
        + ("campaigns", "suppressed"),
        removes=True,
    ),
    "contact.merged": Action(
        _l("Kontakte zusammengeführt"),
        _l("%(actor)s hat den %(merged)s in den %(object)s übernommen"),
    ),
    "contacts.exported": Action(
        _l("Kontaktliste exportiert"),
        _l("%(actor)s hat die Kontaktliste exportiert"),
        ("filters",),
        empty=_l("alle Kontakte"),
    ),
    "contacts.imported": Action(
        _l("Kontakte importiert"),
        _l("%(actor)s hat eine %(object)s importiert"),
        ("rows", "created", "updated", "left_out"),
    ),
    "consent.recorded": Action(
        _l("Einwilligung oder Widerruf erfasst"),
        _l("%(actor)s hat für den %(object)s eine Einwilligung (%(purpose)s) erfasst"),
        variants=(
            (
                "action",
                "opt_out",
                _l(
                    "%(actor)s hat für den %(object)s einen Widerruf (%(purpose)s) "
                    "erfasst"
                ),
            ),
        ),
    ),
    "objection.recorded": Action(
        _l("Widerspruch erfasst"),
        _l("%(actor)s hat für den %(object)s einen Widerspruch erfasst"),
        ("conversation_id",),
    ),
    "objection.withdrawn": Action(
        _l("Widerspruch zurückgenommen"),
        _l("%(actor)s hat den Widerspruch für den %(object)s zurückgenommen"),
    ),
    "restriction.added": Action(
        _l("Verarbeitung eingeschränkt"),
        _l("%(actor)s hat die Verarbeitung für den %(object)s eingeschränkt"),
    ),
    "restriction.lifted": Action(
        _l("Einschränkung aufgehoben"),
        _l("%(actor)s hat die Einschränkung für den %(object)s aufgehoben"),
    ),
    "member.invited": Action(
        _l("Teammitglied eingeladen"),
        _l("%(actor)s hat ein neues Teammitglied als %(role)s eingeladen"),
    ),
    "member.invite_revoked": Action(
        _l("Einladung zurückgezogen"),
        _l("%(actor)s hat eine Einladung zurückgezogen"),
    ),
    "member.joined": Action(
        _l("Teammitglied beigetreten"),
        _l("%(actor)s ist dem Team als %(role)s beigetreten"),
    ),
    "member.role_changed": Action(
        _l("Rolle geändert"),
        _l(
            "%(actor)s hat die Rolle für %(member)s von %(before)s auf %(after)s geändert"
        ),
        ("via",),
    ),
    "member.removed": Action(
        _l("Teammitglied entfernt"),
        _l("%(actor)s hat %(member)s (%(role)s) aus dem Team entfernt"),
        variants=(
            (
                "via",
                "account_deleted",
                _l("%(actor)s hat das eigene Konto gelöscht und das Team verlassen"),
            ),
        ),
    ),
    "channel.connected": Action(
        _l("WhatsApp-Nummer verbunden"),
        _l("%(actor)s hat die %(object)s verbunden"),
        ("via",),
    ),
    "channel.secrets_replaced": Action(
        _l("Zugangsdaten ersetzt"),
        _l("%(actor)s hat Zugangsdaten der %(object)s ersetzt"),
        ("access_token", "app_secret"),
    ),
    "channel.hours_changed": Action(
        _l("Geschäftszeiten einer Nummer geändert"),
        _l("%(actor)s hat die Geschäftszeiten der %(object)s geändert"),
    ),
    "team.hours_changed": Action(
        _l("Geschäftszeiten eines Teams geändert"),
        _l("%(actor)s hat die Geschäftszeiten für das %(object)s geändert"),
    ),
    "auto_replies.changed": Action(
        _l("Automatische Antworten geändert"),
        _l("%(actor)s hat die automatischen Antworten geändert"),
    ),
    "team.created": Action(
        _l("Team angelegt"),
        _l("%(actor)s hat das %(object)s angelegt"),
    ),
    "team.updated": Action(
        _l("Team umbenannt"),
        _l("%(actor)s hat das %(object)s geändert"),
        ("fields",),
    ),
    "team.visibility_changed": Action(
        _l("Sichtbarkeit eines Teams geändert"),
        _l("%(actor)s hat geändert, wer die Gespräche im %(object)s sieht"),
        ("visibility",),
    ),
    "team.response_target_changed": Action(
        _l("Reaktionszeit eines Teams geändert"),
        _l("%(actor)s hat die Reaktionszeit für das %(object)s geändert"),
        ("minutes",),
    ),
    "team.members_changed": Action(
        _l("Mitglieder eines Teams geändert"),
        _l("%(actor)s hat die Mitglieder für das %(object)s geändert"),
        ("added", "removed"),
    ),
    "team.numbers_changed": Action(
        _l("WhatsApp-Nummern eines Teams geändert"),
        _l("%(actor)s hat die WhatsApp-Nummern für das %(object)s geändert"),
        ("added", "removed", "taken", "moved"),
    ),
    "team.assignment_changed": Action(
        _l("Automatische Zuweisung eines Teams geändert"),
        _l("%(actor)s hat die automatische Zuweisung für das %(object)s geändert"),
        ("mode", "fields"),
    ),
    "team.deleted": Action(
        _l("Team gelöscht"),
        _l("%(actor)s hat das %(object)s gelöscht"),
        ("members", "channels", "conversations"),
        removes=True,
    ),
    "campaign.created": Action(
        _l("Kampagne angelegt"),
        _l("%(actor)s hat die %(object)s angelegt"),
    ),
    "campaign.scheduled": Action(
        _l("Kampagne geplant"),
        _l("%(actor)s hat die %(object)s zeitlich geplant"),
    ),
    "campaign.launched": Action(
        _l("Kampagne gestartet"),
        _l("%(actor)s hat die %(object)s gestartet"),
        ("recipients", "left_out"),
    ),
    "campaign.paused": Action(
        _l("Kampagne angehalten"),
        _l("%(actor)s hat die %(object)s angehalten"),
        variants=(
            (
                "reason",
                "template_paused",
                _l(
                    "%(actor)s hat die %(object)s angehalten: Meta hat die Vorlage pausiert"
                ),
            ),
            (
                "reason",
                "template_withdrawn",
                _l(
                    "%(actor)s hat die %(object)s angehalten: die Vorlage ist nicht mehr freigegeben"
                ),
            ),
            (
                "reason",
                "number_unusable",
                _l(
                    "%(actor)s hat die %(object)s angehalten: die WhatsApp-Nummer braucht ein neues Zugriffstoken"
                ),
            ),
            (
                "reason",
                "number_gone",
                _l(
                    "%(actor)s hat die %(object)s angehalten: die WhatsApp-Nummer ist nicht mehr verbunden"
                ),
            ),
            (
                "reason",
                "header_upload_failed",
                _l(
                    "%(actor)s hat die %(object)s angehalten: die Datei der Kopfzeile konnte nicht zu WhatsApp hochgeladen werden"
                ),
            ),
        ),
    ),
    "campaign.resumed": Action(
        _l("Kampagne fortgesetzt"),
        _l("%(actor)s hat die %(object)s fortgesetzt"),
    ),
    "campaign.cancelled": Action(
        _l("Kampagne abgebrochen"),
        _l("%(actor)s hat die %(object)s abgebrochen"),
        ("recipients",),
    ),
    "campaign.finished": Action(
        _l("Kampagne abgeschlossen"),
        _l("%(actor)s hat die %(object)s abgeschlossen"),
        ("recipients",),
    ),
    "campaign.evidence_exported": Action(
        _l("Einwilligungsnachweis exportiert"),
        _l("%(actor)s hat den Einwilligungsnachweis der %(object)s exportiert"),
        ("recipients", "left_out"),
    ),
    "retention.changed": Action(
        _l("Aufbewahrungsfristen geändert"),
        _l("%(actor)s hat die Aufbewahrungsfristen geändert"),
        RETENTION,
    ),
    "purge.run": Action(
        _l("Nächtliche Löschung"),
        _l("%(actor)s hat abgelaufene Daten gelöscht"),
        PURGED + ("via",),
        empty=_l("nichts war abgelaufen"),
    ),
    "costs.budget_changed": Action(
        _l("WhatsApp-Budget geändert"),
        _l("%(actor)s hat das monatliche WhatsApp-Budget geändert"),
        ("budget",),
    ),
    "costs.rate_changed": Action(
        _l("WhatsApp-Tarif geändert"),
        _l("%(actor)s hat einen WhatsApp-Tarif geändert"),
        ("rate",),
    ),
    "webhooks.requeued": Action(
        _l("Webhooks erneut verarbeitet"),
        _l("%(actor)s hat fehlgeschlagene Webhooks erneut verarbeiten lassen"),
        ("count",),
    ),
    "account.exported": Action(
        _l("Eigene Daten exportiert"),
        _l("%(actor)s hat die eigenen Daten exportiert"),
        ("messages",),
    ),
    "account.deleted": Action(
        _l("Konto gelöscht"),
        _l("%(actor)s hat das eigene Konto gelöscht"),
        ("memberships",),
        removes=True,
    ),
    "workspace.deleted": Action(
        _l("Workspace gelöscht"),
        _l("%(actor)s hat den Workspace „%(name)s“ gelöscht"),
        ("members", "channels"),
        removes=True,
    ),
    "workspace.two_factor_required": Action(
        _l("Zwei-Faktor-Anmeldung für alle verlangt"),
        _l("%(actor)s verlangt jetzt von allen im Team die Zwei-Faktor-Anmeldung"),
    ),
    "workspace.two_factor_optional": Action(
        _l("Zwei-Faktor-Anmeldung nicht mehr verlangt"),
        _l("%(actor)s verlangt die Zwei-Faktor-Anmeldung nicht mehr von allen"),
    ),
}


def record(
    workspace_id: int | None,
    action: str,
    /,
    obj=None,
    actor: User | None = None,
    **details,
) -> AuditEvent:
    """Add one event (caller commits); the actor defaults to the signed-in user."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        workspace_id=workspace_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
        created_at=utcnow(),
    )
    db.session.add(event)
    return event
