"""The export ZIPs: contact.json, messages.csv and the media files; account.json.

The archive is written into a spooled temporary file (in memory while small, on
disk beyond SPOOL_BYTES) and media files are copied into it from their path, so
a contact with gigabytes of video never sits in memory. Media are stored
without compression: JPEG, MP4, OGG and PDF are compressed already.
"""

import contextlib
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO

from ...contacts.export import safe
from ...media import media_path
from ...models import Contact, User
from .account import account_document
from .contact import contact_document

SPOOL_BYTES = 16 * 1024 * 1024
READ_BYTES = 256 * 1024
CSV_COLUMNS = (
    "conversation_id",
    "timestamp",
    "direction",
    "type",
    "text",
    "caption",
    "status",
    "error_code",
    "wamid",
    "reply_to",
    "media_file_name",
    "media_file",
)
CONTACT_README = """\
Datenauskunft (Art. 15 DSGVO) und Datenübertragung (Art. 20 DSGVO)
Data access (Art. 15 GDPR) and portability (Art. 20 GDPR)

contact.json  alle gespeicherten Daten zu diesem Kontakt / all data held about this contact
messages.csv  die Nachrichten als Tabelle (UTF-8, Semikolon) / the messages as a table
media/        die Dateien der Nachrichten / the messages' files (<sha256>-<name>)

Zeitangaben in UTC (ISO 8601). Times are UTC (ISO 8601).
"""
ACCOUNT_README = """\
Ihre Daten als Nutzer:in von LeadGate (Art. 15, 20 DSGVO)
Your data as a LeadGate user (Art. 15, 20 GDPR)

account.json: Profil, Mitgliedschaften, Zugriffsprotokoll, Anmeldungen und
gemerkte Geräte, von Ihnen erfasste Einwilligungen (nur Kontakt-IDs) und Ihre
gesendeten Nachrichten und Notizen.
Profile, memberships, access log, logins and remembered devices, consent
entries you recorded (contact ids only) and the messages and notes you wrote.
Times are UTC (ISO 8601).
"""


def contact_archive(contact: Contact) -> tuple[IO[bytes], dict]:
    """Write the contact's ZIP; return it (at position 0) and what it holds."""
    document = contact_document(contact)
    with spooled_zip() as (spool, archive):
        # Files first: one that vanished meanwhile is marked in the JSON.
        files = add_media(archive, document)
        archive.writestr("contact.json", to_json(document))
        archive.writestr("messages.csv", messages_csv(document))
        archive.writestr("README.txt", CONTACT_README)
    counts = {
        "consents": len(document["consents"]),
        "messages": count_messages(document),
    }
    return spool, counts | {"files": files}


def account_archive(user: User) -> tuple[IO[bytes], dict]:
    """Write the user's ZIP (account.json and a README); return it and counts."""
    document = account_document(user)
    with spooled_zip() as (spool, archive):
        archive.writestr("account.json", to_json(document))
        archive.writestr("README.txt", ACCOUNT_README)
    return spool, {"messages": len(document["messages"])}


@contextlib.contextmanager
def spooled_zip() -> Iterator[tuple[IO[bytes], zipfile.ZipFile]]:
    """A ZIP in a spooled file, at position 0 when the block ends; the caller closes it."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            yield spool, archive
    except BaseException:
        spool.close()
        raise
    spool.seek(0)


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def each_message(document: dict) -> Iterator[tuple[int, dict]]:
    for conversation in document["conversations"]:
        for message in conversation["messages"]:
            yield conversation["id"], message


def count_messages(document: dict) -> int:
    return sum(len(item["messages"]) for item in document["conversations"])


def add_media(archive: zipfile.ZipFile, document: dict) -> int:
    """Copy each stored file in once; return how many went in."""
    written: set[str] = set()
    for _, message in each_message(document):
        media = message["media"]
        if not media or not media["file"] or media["file"] in written:
            continue
        try:
            archive.write(
                media_path(media["sha256"]), media["file"], zipfile.ZIP_STORED
            )
        except FileNotFoundError:  # deleted since the document was built
            media["file"], media["file_note"] = None, "missing on disk"
            continue
        written.add(media["file"])
    return len(written)


def messages_csv(document: dict) -> bytes:
    """One row per message; UTF-8 with BOM and semicolons, as German Excel wants."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for conversation_id, message in each_message(document):
        media = message["media"] or {}
        error = message["error"] or {}
        writer.writerow(
            (
                conversation_id,
                message["timestamp"],
                message["direction"],
                message["type"],
                safe(message["text"]),
                safe(message["caption"]),
                message["status"],
                error.get("code") or "",
                message["wamid"] or "",
                message["reply_to"] or "",
                safe(media.get("file_name")),
                media.get("file") or "",
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def read_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """Stream a spooled archive to the client, closing (deleting) it at the end."""
    try:
        while block := file.read(READ_BYTES):
            yield block
    finally:
        file.close()
