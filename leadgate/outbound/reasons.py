"""Meta's send errors in plain words for the thread (codes: ../shared/cloudapi.md)."""

from flask_babel import gettext as _

# Stored as the error title when Meta never answered and no status came either.
UNCONFIRMED = "unconfirmed"
# Stored when the contact objected or was restricted while the message waited.
WITHHELD = "withheld"
# Stored when its campaign was cancelled before the message went out.
CAMPAIGN_CANCELLED = "campaign_cancelled"
# Stored (with Meta's template status after it) when a waiting message's template
# was disabled, deleted or rejected before it could go out.
TEMPLATE_WITHDRAWN = "template:"


def template_withdrawn_reason(status: str) -> str:
    if status == "DISABLED":
        return _(
            "Nicht gesendet: Meta hat die Vorlage nach negativen Rückmeldungen "
            "deaktiviert. Bitte eine andere Vorlage wählen."
        )
    return _(
        "Nicht gesendet: Die Vorlage ist bei Meta nicht mehr freigegeben "
        "(gelöscht, archiviert oder abgelehnt). Bitte eine andere Vorlage wählen."
    )


def failure_reason(code: int | None, title: str | None) -> str:
    if title == UNCONFIRMED:
        return _(
            "Zustellung unklar: Meta hat nicht geantwortet. Bitte prüfen Sie beim "
            "Kontakt, ob die Nachricht ankam, bevor Sie sie erneut senden."
        )
    if title and title.startswith(TEMPLATE_WITHDRAWN):
        return template_withdrawn_reason(title.removeprefix(TEMPLATE_WITHDRAWN))
    if title == WITHHELD:
        return _(
            "Nicht gesendet: Der Kontakt hat widersprochen oder die Verarbeitung "
            "wurde eingeschränkt, während die Nachricht wartete."
        )
    if title == CAMPAIGN_CANCELLED:
        return _("Nicht gesendet: Die Kampagne wurde vorher abgebrochen.")
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
            "Von Meta begrenzt (Marketing-Limit): Der Kontakt hat zuletzt zu viele "
            "Marketing-Nachrichten erhalten. Das ist kein Fehler; frühestens morgen "
            "erneut senden."
        )
    if code == 131062:
        return _(
            "Diese Nachricht kann nicht an einen Kontakt ohne Telefonnummer "
            "(nur Benutzername) gesendet werden."
        )
    if code == 132015:
        return _("Die Vorlage ist bei Meta pausiert: Die Nachricht wartet.")
    if code == 132016:
        return template_withdrawn_reason("DISABLED")
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
