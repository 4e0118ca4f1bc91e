"""File names from strangers, made safe to keep, show and send back.

Names arrive in webhooks (a document's filename) and in uploads (attachments, CSV
imports). A CR or LF in one broke the Content-Disposition header of its download
(a 500, or a forged header); a bidi control disguises an extension
("rechnung\u202efdp.exe"); a slash pretends to be a path. Every name is cleaned
by `clean_filename` where it is stored and again where it is sent.
"""

import re
import unicodedata
from urllib.parse import quote

from werkzeug.http import dump_options_header

MAX_LENGTH = 255  # the column's width
SPACES = re.compile(r"\s+")
# Characters that stay unquoted in an RFC 5987 value (as werkzeug's send_file).
ATTR_CHARS = "!#$&+-.^_`|~"


def clean_filename(name: str | None, fallback: str = "") -> str:
    """The name without control or format characters and path separators, or fallback."""
    kept = []
    for character in unicodedata.normalize("NFC", name or ""):
        category = unicodedata.category(character)
        if category in ("Cc", "Zl", "Zp"):  # CR, LF, tab, NUL, line separators
            kept.append(" ")
        elif category not in ("Cf", "Cs"):  # bidi controls, zero widths, surrogates
            kept.append("_" if character in "/\\" else character)
    cleaned = SPACES.sub(" ", "".join(kept)).strip(" .")
    return shortened(cleaned) or fallback


def shortened(name: str) -> str:
    """At most MAX_LENGTH characters, keeping a short extension."""
    if len(name) <= MAX_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:MAX_LENGTH].rstrip(" .")
    return stem[: MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension


def content_disposition(name: str | None, fallback: str, inline: bool = False) -> str:
    """A Content-Disposition value for a download built by hand (not send_file)."""
    name = clean_filename(name, fallback)
    try:
        name.encode("ascii")
        names = {"filename": name}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
        names = {
            "filename": clean_filename(simple.decode("ascii"), fallback),
            "filename*": "UTF-8''" + quote(name, safe=ATTR_CHARS),
        }
    return dump_options_header("inline" if inline else "attachment", names)


def file_kind(mime_type: str | None, name: str | None = None) -> str:
    """A short type to show beside a file: its extension, else its MIME type."""
    _stem, dot, extension = (name or "").rpartition(".")
    if dot and 0 < len(extension) <= 5 and extension.isalnum():
        return extension.upper()
    return (mime_type or "").split(";")[0].strip()
