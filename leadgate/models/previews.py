"""One-line previews of messages for the conversation list (never logged)."""

from flask_babel import lazy_gettext as _l

# Shown (in the reader's language) when a message has no text of its own.
TYPE_LABELS = {
    "image": _l("📷 Bild"),
    "audio": _l("🎤 Sprachnachricht"),
    "video": _l("🎬 Video"),
    "document": _l("📄 Dokument"),
    "sticker": _l("Sticker"),
    "location": _l("📍 Standort"),
    "contacts": _l("👤 Kontakt"),
    "order": _l("🛒 Bestellung"),
    "system": _l("Systemnachricht"),
    "unsupported": _l("Nicht unterstützter Nachrichtentyp"),
    "call": _l("📞 Anruf"),
    # History syncs media messages before (or without) their files.
    "media_placeholder": _l("📎 Mediendatei"),
}


def preview_text(text: str | None, caption: str | None) -> str | None:
    body = text or caption
    return " ".join(body.split())[:200] if body else None


def type_label(message_type: str | None) -> str:
    return str(TYPE_LABELS.get(message_type or "", message_type or ""))
