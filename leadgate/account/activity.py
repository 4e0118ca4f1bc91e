"""What the account page calls each access-log event (auth/services.record_access)."""

from flask_babel import lazy_gettext as _l

EVENT_LABELS = {
    "login_success": _l("Anmeldung"),
    "login_failure": _l("Fehlgeschlagene Anmeldung"),
    "use": _l("Nutzung"),
    "logout": _l("Abmeldung"),
    "password_reset": _l("Passwort zurückgesetzt"),
    "password_changed": _l("Passwort geändert"),
    "email_changed": _l("E-Mail-Adresse geändert"),
    "session_ended": _l("Andere Sitzung abgemeldet"),
    "other_sessions_ended": _l("Alle anderen Sitzungen abgemeldet"),
    "login_code_requested": _l("Passwort richtig, Code angefordert"),
    "login_device_recognised": _l("Anmeldung auf gemerktem Gerät (ohne Code)"),
    "two_factor_ok": _l("Code bestätigt"),
    "two_factor_failed": _l("Falscher Code"),
    "recovery_code_used": _l("Wiederherstellungscode benutzt"),
    "device_remembered": _l("Gerät gemerkt"),
    "device_forgotten": _l("Gemerktes Gerät vergessen"),
    "two_factor_enabled": _l("Zwei-Faktor-Anmeldung eingeschaltet"),
    "two_factor_disabled": _l("Zwei-Faktor-Anmeldung ausgeschaltet"),
    "recovery_codes_renewed": _l("Neue Wiederherstellungscodes erzeugt"),
}
