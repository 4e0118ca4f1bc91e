"""The audit trail: one call records who did what to which object (never content).

Call `record` inside the transaction of the change itself, so an audited change
and its record commit together or not at all. Details are ids, counts, roles and
field names — no message text, no phone number, no name of a contact.
"""

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import db
from .models import AuditEvent, User, utcnow

# Every action the trail knows, with how the page names it.
ACTIONS = {
    "contact.exported": _l("Kontaktdaten exportiert"),
    "contact.erased": _l("Kontakt gelöscht"),
    "contact.merged": _l("Kontakte zusammengeführt"),
    "contacts.exported": _l("Kontaktliste exportiert"),
    "contacts.imported": _l("Kontakte importiert"),
    "consent.recorded": _l("Einwilligung oder Widerruf erfasst"),
    "objection.recorded": _l("Widerspruch erfasst"),
    "restriction.added": _l("Verarbeitung eingeschränkt"),
    "restriction.lifted": _l("Einschränkung aufgehoben"),
    "member.invited": _l("Teammitglied eingeladen"),
    "member.invite_revoked": _l("Einladung zurückgezogen"),
    "member.joined": _l("Teammitglied beigetreten"),
    "member.role_changed": _l("Rolle geändert"),
    "member.removed": _l("Teammitglied entfernt"),
    "channel.connected": _l("WhatsApp-Nummer verbunden"),
    "channel.secrets_replaced": _l("Zugangsdaten ersetzt"),
    "retention.changed": _l("Aufbewahrungsfristen geändert"),
    "purge.run": _l("Nächtliche Löschung"),
    "webhooks.requeued": _l("Webhooks erneut verarbeitet"),
    "account.exported": _l("Eigene Daten exportiert"),
    "account.deleted": _l("Konto gelöscht"),
    "workspace.deleted": _l("Workspace gelöscht"),
    "workspace.two_factor_required": _l("Zwei-Faktor-Anmeldung für alle verlangt"),
    "workspace.two_factor_optional": _l("Zwei-Faktor-Anmeldung nicht mehr verlangt"),
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
