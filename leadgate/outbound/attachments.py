"""Files agents attach: checked against Meta's limits before upload, kept for the thread.

Sent by media ID after `POST /{phone-number-id}/media`, never by a link to our own
storage, so installations that are not reachable from the internet work too.
"""

import mimetypes

from flask_babel import gettext as _

from ..media import MB
from .rules import SendRefused

# Meta's types and sizes for sending (cloudapi.md); everything else goes as a document.
SEND_LIMITS = {
    "image": (5 * MB, ("image/jpeg", "image/png")),
    "audio": (
        16 * MB,
        ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    ),
    "video": (16 * MB, ("video/mp4", "video/3gpp")),
}
DOCUMENT_LIMIT = 100 * MB
MAX_UPLOAD = DOCUMENT_LIMIT + MB  # the request around the largest allowed file
# A file must start like what it claims to be (the browser only guesses the type).
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


def mime_type_of(filename: str, declared: str | None) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def kind_for(mime_type: str) -> str:
    for kind, (_limit, types) in SEND_LIMITS.items():
        if mime_type in types:
            return kind
    return "document"


def check(data: bytes, mime_type: str) -> str:
    """The message type for this file, or SendRefused with the reason."""
    if not data:
        raise SendRefused(_("Die Datei ist leer."))
    kind = kind_for(mime_type)
    limit = SEND_LIMITS[kind][0] if kind in SEND_LIMITS else DOCUMENT_LIMIT
    if len(data) > limit:
        raise SendRefused(
            _(
                "Die Datei ist zu groß: WhatsApp erlaubt hier höchstens %(mb)s MB.",
                mb=limit // MB,
            )
        )
    signatures = SIGNATURES.get(mime_type)
    if signatures and not data.startswith(signatures):
        raise SendRefused(_("Der Dateiinhalt passt nicht zum Dateityp."))
    return kind


def kind_label(kind: str) -> str:
    return {
        "image": _("Bild (JPEG oder PNG)"),
        "video": _("Video (MP4 oder 3GPP)"),
        "audio": _("Audio"),
        "document": _("Dokument"),
    }[kind]
