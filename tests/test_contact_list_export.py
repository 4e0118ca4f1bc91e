"""The contact list as CSV, for people: local times, consent as ja/nein with its date."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import update

from leadgate.consent import ledger
from leadgate.contacts.importing.files import guess_mapping
from leadgate.extensions import db
from leadgate.models import ConsentRecord, Contact, Conversation

from .inbox_support import OWNER, make_team

HEADER_DE = [
    "id",
    "Name",
    "Telefonnummer",
    "WhatsApp-Profilname",
    "WhatsApp-ID",
    "BSUID",
    "Benutzername",
    "E-Mail-Adresse",
    "Labels",
    "Marketing-Einwilligung",
    "Marketing-Einwilligung (Datum)",
    "Angelegt",
    "Letzter Kontakt",
]
# 21:15 in Berlin on a winter evening, 22:15 on a summer one.
WINTER = datetime(2026, 12, 6, 20, 15, 42, 123456, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 20, 15, tzinfo=UTC)


def seed(app, team) -> tuple[int, int, int]:
    """Anna consented, Bernd withdrew, Carla was never asked."""
    with app.app_context():
        people = []
        for name, phone in (
            ("Anna", "+491701111111"),
            ("Bernd", "+491702222222"),
            ("Carla", "+491703333333"),
        ):
            contact = Contact(
                workspace_id=team.workspace_id,
                name=name,
                phone_e164=phone,
                wa_id=phone[1:],
                attributes={},
                created_at=WINTER,
            )
            db.session.add(contact)
            people.append(contact)
        db.session.flush()
        anna, bernd, _carla = people
        ledger.record(anna, ledger.MARKETING, "opt_in", "agent", wording="Ja")
        ledger.record(bernd, ledger.MARKETING, "opt_in", "agent", wording="Ja")
        ledger.record(bernd, ledger.MARKETING, "opt_out", "agent", wording="Stopp")
        db.session.add(
            Conversation(
                workspace_id=team.workspace_id,
                channel_id=team.channel_id,
                contact_id=anna.id,
                last_activity_at=SUMMER,
            )
        )
        db.session.flush()
        db.session.execute(update(ConsentRecord).values(recorded_at=SUMMER))
        db.session.commit()
        return tuple(contact.id for contact in people)


def exported(client) -> list[list[str]]:
    response = client.get("/contacts/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_times_are_local_and_consent_reads_ja_or_nein_with_its_date(app, client, auth):
    team = make_team(app)
    anna, bernd, carla = seed(app, team)
    auth.login(OWNER)
    rows = exported(client)
    assert rows[0] == HEADER_DE
    by_id = {int(row[0]): dict(zip(HEADER_DE, row, strict=True)) for row in rows[1:]}
    assert by_id[anna]["Marketing-Einwilligung"] == "ja"
    assert by_id[anna]["Marketing-Einwilligung (Datum)"] == "01.07.2026 22:15"
    assert by_id[anna]["Angelegt"] == "06.12.2026 21:15"
    assert by_id[anna]["Letzter Kontakt"] == "01.07.2026 22:15"
    assert by_id[bernd]["Marketing-Einwilligung"] == "nein"  # withdrawn …
    assert by_id[bernd]["Marketing-Einwilligung (Datum)"] == "01.07.2026 22:15"
    assert by_id[carla]["Marketing-Einwilligung"] == "nein"  # … or never asked
    assert by_id[carla]["Marketing-Einwilligung (Datum)"] == ""
    assert by_id[carla]["Letzter Kontakt"] == ""
    assert by_id[anna]["Telefonnummer"] == "+491701111111"
    text = "\n".join(";".join(row) for row in rows)
    for stored in ("opt_in", "opt_out", "+00:00", "T20:15", "2026-12-06"):
        assert stored not in text


def test_the_zone_is_the_installations(app, client, auth):
    team = make_team(app)
    anna, *_ = seed(app, team)
    # LEADGATE_TIMEZONE, as Flask-Babel keeps it once the app is made
    app.extensions["babel"].default_timezone = "America/New_York"
    auth.login(OWNER)
    row = next(row for row in exported(client) if row[0] == str(anna))
    assert row[HEADER_DE.index("Angelegt")] == "06.12.2026 15:15"


def test_english_readers_get_english_words(app, client, auth):
    team = make_team(app)
    anna, bernd, _ = seed(app, team)
    auth.login(OWNER)
    client.post("/sprache", data={"lang": "en"})
    rows = exported(client)
    assert rows[0][9:13] == [
        "Marketing consent",
        "Marketing consent (date)",
        "Created",
        "Last contact",
    ]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert by_id[anna][9:12] == ["yes", "2026-07-01 22:15", "2026-12-06 21:15"]
    assert by_id[bernd][9] == "no"


def test_an_exported_list_maps_onto_the_import(app):
    mapping = guess_mapping(HEADER_DE, {})
    assert mapping["Telefonnummer"] == "phone"
    assert mapping["WhatsApp-Profilname"] == "ignore"  # not a second phone column
    assert mapping["Name"] == "name" and mapping["E-Mail-Adresse"] == "email"
    assert mapping["Marketing-Einwilligung"] == "consent"
    assert mapping["Marketing-Einwilligung (Datum)"] == "consent_date"
