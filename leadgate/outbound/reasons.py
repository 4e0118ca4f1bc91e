"""Meta's send errors in plain words for the thread (codes: ../shared/cloudapi.md)."""

from flask_babel import gettext as _

# Stored as the error title when Meta never answered and no status came either.
UNCONFIRMED = "unconfirmed"
# Stored when the contact objected or was restricted while the message waited.
WITHHELD = "withheld"


def failure_reason(code: int | None, title: str | None) -> str:
    if title == UNCONFIRMED:
        return _(
            "Zustellung unklar: Meta hat nicht geantwortet. Bitte prüfen Sie beim "
            "Kontakt, ob die Nachricht ankam, bevor Sie sie erneut senden."
        )
    if title == WITHHELD:
        return _(
            "Nicht gesendet: Der Kontakt hat widersprochen oder die Verarbeitung "
            "wurde eingeschränkt, während die Nachricht wartete."
        )
    if code == 131047:
        return _(
            "Mehr als 24 Stunden seit der letzten Nachricht des Kontakts: "
            "bitte eine freigegebene Vorlage senden."
        )
    if code == 131026:
        return _(
            "Nicht zustellbar: Die Nummer nutzt kein WhatsApp, hat die Nutzungsbedingungen "
            "nicht akzeptiert oder eine zu alte App."
        )
    if code == 131050:
        return _(
            "Der Kontakt hat Marketing-Nachrichten dieses Unternehmens abbestellt."
        )
    if code == 131049:
        return _(
            "Meta hat die Nachricht zum Schutz der Nutzer zurückgehalten: "
            "frühestens morgen erneut versuchen."
        )
    if code in (0, 190):
        return _(
            "Das Zugriffstoken ist ungültig oder abgelaufen: bitte in den "
            "WhatsApp-Einstellungen ersetzen."
        )
    if code == 100:
        return _("Meta hat die Anfrage abgelehnt (ungültiger Parameter).")
    if code in (130429, 131056, 4, 80007):
        return _(
            "Meta hat zu viele Nachrichten gemeldet; alle Wiederholungen sind ausgeschöpft."
        )
    if code is not None and 132000 <= code < 133000:
        return _("Fehler in der Vorlage (Code %(code)s).", code=code)
    if code is None:
        return _("Meta war nicht erreichbar; alle Wiederholungen sind ausgeschöpft.")
    return _("Meta meldet Fehler %(code)s: %(title)s", code=code, title=title or "")
