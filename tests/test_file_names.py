"""File names from strangers: cleaned where they are stored and where they are sent.

A CR or LF in a name made its download a 500 (Werkzeug refuses the header) or,
without that check, a forged header. Inbound documents are covered in
test_media_serving.py and attachments in outbound/test_attachment_names.py.
"""

import re

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.files import MAX_LENGTH, clean_filename, content_disposition
from leadgate.media import store_bytes
from leadgate.models import ContactImport, Message

from .file_name_support import EVIL_NAME, multipart
from .inbox_support import OWNER, add_conversations, make_team

CLEAN_EVIL = "evil Set-Cookie: session=stolen .csv"


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("Angebot.pdf", "Angebot.pdf"),
        ("Über uns – Preise.pdf", "Über uns – Preise.pdf"),
        (EVIL_NAME, CLEAN_EVIL),
        ("a\tb\x00c\x7f.pdf", "a b c .pdf"),
        ("Zeile\u2028zwei\u2029.txt", "Zeile zwei .txt"),
        ("rechnung\u202efdp.exe", "rechnungfdp.exe"),  # the bidi override is gone
        ("null\u200bbreite.pdf", "nullbreite.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("C:\\Users\\a.doc", "C:_Users_a.doc"),
        ("  .versteckt.  ", "versteckt"),
        ("viele    Leerzeichen.pdf", "viele Leerzeichen.pdf"),
    ],
)
def test_file_names_are_cleaned(name, cleaned):
    assert clean_filename(name) == cleaned


def test_an_empty_or_unusable_name_takes_the_fallback():
    assert clean_filename(None, "datei") == "datei"
    assert clean_filename("\r\n\u202e ..", "datei") == "datei"


def test_long_names_keep_their_extension():
    cleaned = clean_filename("a" * 300 + ".pdf")
    assert len(cleaned) == MAX_LENGTH and cleaned.endswith("a.pdf")
    assert len(clean_filename("b" * 300)) == MAX_LENGTH


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("kontakte.csv", "attachment; filename=kontakte.csv"),
        (EVIL_NAME, f'attachment; filename="{CLEAN_EVIL}"'),
        (
            "Übersicht 2026.zip",
            'attachment; filename="Ubersicht 2026.zip"; '
            "filename*=UTF-8''%C3%9Cbersicht%202026.zip",
        ),
        ('zitat"\\.zip', 'attachment; filename="zitat\\"_.zip"'),
    ],
)
def test_hand_built_downloads_get_a_well_formed_header(name, header):
    assert content_disposition(name, "datei") == header


def upload_evil_csv(client) -> int:
    data = b"Telefon;Name\nabc;=HYPERLINK(1)\n0170 1000001;Richtig\n"
    response = client.post(
        "/contacts/import", **multipart("file", EVIL_NAME, data, "text/csv")
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/contacts/import/(\d+)$", response.location).group(1))


def test_an_uploaded_csv_with_line_breaks_in_its_name_imports_and_downloads(
    client, app, auth
):
    make_team(app)
    auth.login(OWNER)
    import_id = upload_evil_csv(client)
    with app.app_context():
        assert db.session.get(ContactImport, import_id).filename == CLEAN_EVIL
    mapping = {"column_0": "phone", "column_1": "name", "consent_text": ""}
    assert client.post(f"/contacts/import/{import_id}", data=mapping).status_code == 303
    client.post(f"/contacts/import/{import_id}/run")
    page = client.get(f"/contacts/import/{import_id}/result")
    assert page.status_code == 200
    response = client.get(f"/contacts/import/{import_id}/invalid.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="evil Set-Cookie: session=stolen -nicht-importiert.csv"'
    )
    assert "Set-Cookie" not in response.headers


def test_names_stored_before_the_fix_are_cleaned_when_sent(client, app, auth):
    """Rows written before names were cleaned on the way in still download."""
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        message.type, message.media_state = "document", "stored"
        message.media_sha256 = store_bytes(b"%PDF-1.4 alt")
        message.media_filename = "alt\r\nSet-Cookie: x=1\r\n.pdf"
        contact_import = ContactImport(
            workspace_id=team.workspace_id,
            created_by_id=team.owner_id,
            filename="liste\r\nX-Evil: 1\r\n.csv",
            file_sha256="0" * 64,
            content=b"Telefon;Name\nabc;Falsch\n",
            mapping={"Telefon": "phone", "Name": "name"},
            state="done",
            invalid_rows=[{"row": 2, "reason": "Keine Telefonnummer"}],
        )
        db.session.add(contact_import)
        db.session.commit()
        message_id, import_id = message.id, contact_import.id
    auth.login(OWNER)
    with client.get(f"/inbox/media/{message_id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="alt Set-Cookie: x=1 .pdf"'
        )
    response = client.get(f"/contacts/import/{import_id}/invalid.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="liste X-Evil: 1 -nicht-importiert.csv"'
    )
