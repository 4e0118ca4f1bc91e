"""How consent records read on the page: purposes, actions, sources, evidence keys."""

from flask_babel import lazy_gettext as _l

PURPOSE_LABELS = {
    "whatsapp_marketing": _l("WhatsApp-Marketing"),
    "whatsapp_service": _l("WhatsApp-Service"),
}
ACTION_LABELS = {"opt_in": _l("Einwilligung"), "opt_out": _l("Widerruf/Abmeldung")}
SOURCE_LABELS = {
    "lead_form": _l("Lead-Formular"),
    "import": _l("Import"),
    "agent": _l("vom Team erfasst"),
    "keyword": _l("Stichwort per WhatsApp"),
    "inbound_message": _l("Nachricht per WhatsApp"),
}
EVIDENCE_LABELS = {
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


def consent_labels() -> dict:
    """Template helpers: each falls back to the stored value."""
    return {
        "consent_purpose_label": lambda key: PURPOSE_LABELS.get(key, key),
        "consent_action_label": lambda key: ACTION_LABELS.get(key, key),
        "consent_source_label": lambda key: SOURCE_LABELS.get(key, key),
        "evidence_label": lambda key: EVIDENCE_LABELS.get(key, key),
    }
