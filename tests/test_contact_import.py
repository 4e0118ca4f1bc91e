"""CSV import of contacts: mapping, preview, bulk import and its consent evidence."""

import csv
import hashlib
import io
import re
from datetime import timedelta

import pytest
from rq.cron import CronScheduler
from sqlalchemy import func, select, update

from leadgate.consent import ledger
from leadgate.contacts.importing import files, plan, writes
from leadgate.contacts.importing.files import ImportFileError, guess_mapping, read_table
from leadgate.contacts.importing.writes import purge_contact_imports
from leadgate.extensions import db
from leadgate.models import (
    ConsentRecord,
    Contact,
    ContactField,
    ContactImport,
    ContactLabel,
    Label,
    User,
    utcnow,
)
from leadgate.queue import redis_connection

from .inbox_support import AGENT, OWNER, counted_queries, make_team
from .support import assert_cross_workspace_404, make_user, workspace_of

WORDING = "Ich möchte Angebote per WhatsApp erhalten. Abmeldung jederzeit mit STOP."
HEADER = "Telefon;Name;E-Mail;Einwilligung;Quelle;Datum;Labels\n"
MAPPING = {
    "column_0": "phone",
    "column_1": "name",
    "column_2": "email",
    "column_3": "consent",
    "column_4": "consent_source",
    "column_5": "consent_date",
    "column_6": "labels",
}


@pytest.fixture
def team(app, auth):
    team = make_team(app)
    auth.login(OWNER)
    return team


def upload(client, text: str, encoding: str = "utf-8-sig", name="kontakte.csv"):
    data = text.encode(encoding)
    response = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/contacts/import/(\d+)$", response.location).group(1))


def map_columns(client, import_id: int, mapping=None, consent_text=WORDING, **kw):
    data = {**(MAPPING if mapping is None else mapping), "consent_text": consent_text}
    return client.post(f"/contacts/import/{import_id}", data=data, **kw)


def import_file(client, text: str, mapping=None, **kw) -> ContactImport:
    import_id = upload(client, text, **kw)
    assert map_columns(client, import_id, mapping).status_code == 303
    response = client.post(f"/contacts/import/{import_id}/run")
    assert response.location.endswith(f"/contacts/import/{import_id}/result")
    return import_id


def stored_import(app, import_id: int) -> ContactImport:
    with app.app_context():
        contact_import = db.session.get(ContactImport, import_id)
        db.session.expunge(contact_import)
        return contact_import


def contacts_by_phone(app, workspace_id: int) -> dict[str, Contact]:
    with app.app_context():
        contacts = db.session.scalars(
            select(Contact).where(Contact.workspace_id == workspace_id)
        ).all()
        db.session.expunge_all()
    return {c.phone_e164: c for c in contacts}


def records_of(app, contact_id: int) -> list[ConsentRecord]:
    with app.app_context():
        records = ledger.history(contact_id)
        db.session.expunge_all()
    return records


def test_a_german_excel_file_imports_contacts_with_consent_evidence(client, app, team):
    text = (
        HEADER + "0170 1234567;Erika Muster;erika@example.com;ja;"
        "Messe Stuttgart 2026, Formular;12.03.2026 14:30;Messe, VIP\n"
        "+49 151 23456789;Max Mustermann;;nein;;;Messe\n"
    )
    import_id = upload(client, text)
    page = client.get(f"/contacts/import/{import_id}")
    assert page.status_code == 200
    assert 'id="import-preview"' in page.get_data(as_text=True)
    client.post(
        f"/contacts/import/{import_id}", data={**MAPPING, "consent_text": WORDING}
    )
    client.post(f"/contacts/import/{import_id}/run")

    contacts = contacts_by_phone(app, team.workspace_id)
    erika, max_ = contacts["+491701234567"], contacts["+4915123456789"]
    assert (erika.name, erika.email, erika.wa_id) == (
        "Erika Muster",
        "erika@example.com",
        "491701234567",
    )
    assert erika.marketing_consent == "opt_in" and max_.marketing_consent is None
    records = records_of(app, erika.id)
    assert {r.purpose for r in records} == {ledger.MARKETING, ledger.SERVICE}
    digest = hashlib.sha256(text.encode("utf-8-sig")).hexdigest()
    for record in records:
        assert (record.action, record.source, record.wording) == (
            "opt_in",
            "import",
            WORDING,
        )
        assert record.recorded_by_id == team.owner_id
        assert record.evidence == {
            "import_id": import_id,
            "file_sha256": digest,
            "row": 2,
            "source": "Messe Stuttgart 2026, Formular",
            "given_at": "2026-03-12T13:30:00+00:00",  # 14:30 in Berlin
        }
    assert records_of(app, max_.id) == []
    with app.app_context():
        labels = dict(
            db.session.execute(
                select(Label.name, func.count(ContactLabel.contact_id))
                .join(ContactLabel, ContactLabel.label_id == Label.id)
                .group_by(Label.name)
            ).all()
        )
    assert labels == {"Messe": 2, "VIP": 1}
    done = stored_import(app, import_id)
    assert (done.state, done.created_count, done.updated_count) == ("done", 2, 0)
    assert done.total_rows == 2 and done.invalid_rows == []
    with app.app_context():  # nothing left to download: the file is gone
        assert db.session.get(ContactImport, import_id).content is None
    result = client.get(f"/contacts/import/{import_id}/result")
    assert result.status_code == 200
    assert "invalid.csv" not in result.get_data(as_text=True)


MIXED = (
    "Telefon,Name,Einwilligung,Quelle,Datum\n"
    "0170 1000001,Gültig Eins,ja,Website,2026-01-05\n"  # 2
    ",Ohne Nummer,nein,,\n"  # 3
    "12345,Falsche Nummer,nein,,\n"  # 4
    "0170 1000002,Ohne Quelle,ja,,\n"  # 5
    "0170 1000003,Falsches Datum,ja,Messe,31.02.2026\n"  # 6
    "+49 170 1000001,Doppelt,nein,,\n"  # 7
    ",,,,\n"  # 8: blank, skipped
    "0170 1000004,Gültig Zwei,nein,,\n"  # 9
)
MIXED_MAPPING = {
    "column_0": "phone",
    "column_1": "name",
    "column_2": "consent",
    "column_3": "consent_source",
    "column_4": "consent_date",
}


def test_invalid_rows_are_listed_with_reasons_and_valid_rows_are_imported(
    client, app, team
):
    import_id = import_file(client, MIXED, mapping=MIXED_MAPPING)

    done = stored_import(app, import_id)
    reasons = {entry["row"]: entry["reason"] for entry in done.invalid_rows}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert "Keine Telefonnummer" in reasons[3]
    assert "Telefonnummer" in reasons[4]
    assert reasons[5] == "Einwilligung ohne Quelle: Zeile nicht importiert."
    assert "Datum der Einwilligung" in reasons[6]
    assert "weiter oben" in reasons[7]
    assert (done.total_rows, done.created_count) == (7, 2)
    contacts = contacts_by_phone(app, team.workspace_id)
    assert set(contacts) == {"+491701000001", "+491701000004"}
    assert contacts["+491701000001"].marketing_consent == "opt_in"
    page = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    assert "Zeile 5: Einwilligung ohne Quelle" in page
    assert f"/contacts/import/{import_id}/invalid.csv" in page


def test_the_rejected_rows_download_as_csv_with_their_reason(client, app, team):
    import_id = import_file(client, MIXED, mapping=MIXED_MAPPING)

    response = client.get(f"/contacts/import/{import_id}/invalid.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Telefon", "Name", "Einwilligung", "Quelle", "Datum", "Grund"]
    assert [row[1] for row in rows[1:]] == [
        "Ohne Nummer",
        "Falsche Nummer",
        "Ohne Quelle",
        "Falsches Datum",
        "Doppelt",
    ]
    assert rows[3][-1] == "Einwilligung ohne Quelle: Zeile nicht importiert."


def test_a_file_without_a_valid_row_imports_nothing(client, app, team):
    import_id = upload(client, "Telefon;Name\nabc;Eins\n;Zwei\n")
    mapping = {"column_0": "phone", "column_1": "name"}
    preview = map_columns(client, import_id, mapping, headers={"HX-Request": "true"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" not in html
    assert "Keine gültige Zeile" in html
    assert f"/contacts/import/{import_id}/run" not in html
    client.post(f"/contacts/import/{import_id}/run")
    done = stored_import(app, import_id)
    assert (done.state, done.created_count, len(done.invalid_rows)) == ("done", 0, 2)
    assert contacts_by_phone(app, team.workspace_id) == {}


def test_existing_contacts_are_updated_not_duplicated(client, app, team):
    with app.app_context():
        db.session.add_all(
            [
                # Known by its number only (entered by hand, no WhatsApp id yet).
                Contact(
                    workspace_id=team.workspace_id,
                    phone_e164="+491701000001",
                    name="Alt",
                    attributes={"branche": "Bau", "stelle": "Chef"},
                ),
                # Known by WhatsApp id only (as a webhook created it).
                Contact(
                    workspace_id=team.workspace_id,
                    wa_id="491701000002",
                    email="alt@example.com",
                ),
            ]
        )
        db.session.add(
            ContactField(workspace_id=team.workspace_id, key="branche", label="Branche")
        )
        db.session.commit()
    text = (
        "Handy;Name;Branche\n"
        "0170 1000001;Neu Eins;Handel\n"
        "0170 1000002;Neu Zwei;\n"
        "0170 1000003;Ganz Neu;IT\n"
    )
    import_id = upload(client, text)
    mapping = {"column_0": "phone", "column_1": "name", "column_2": "attr:branche"}
    mapping["update_mode"] = "overwrite"  # the default fills empty fields only
    preview = map_columns(client, import_id, mapping, headers={"HX-Request": "true"})
    assert "Schon vorhanden" in preview.get_data(as_text=True)
    client.post(f"/contacts/import/{import_id}/run")

    contacts = contacts_by_phone(app, team.workspace_id)
    assert len(contacts) == 3
    first = contacts["+491701000001"]
    assert first.name == "Neu Eins" and first.updated_at is not None
    assert first.attributes == {"branche": "Handel", "stelle": "Chef"}
    second = contacts["+491701000002"]  # known by WhatsApp id only, now by number too
    assert (second.name, second.email) == ("Neu Zwei", "alt@example.com")
    assert contacts["+491701000003"].wa_id == "491701000003"
    done = stored_import(app, import_id)
    assert (done.created_count, done.updated_count) == (1, 2)


def test_an_older_list_does_not_override_an_opt_out(client, app, team):
    with app.app_context():
        stopped = Contact(workspace_id=team.workspace_id, wa_id="491701000001")
        objected = Contact(
            workspace_id=team.workspace_id, wa_id="491701000002", opted_out_at=utcnow()
        )
        later = Contact(workspace_id=team.workspace_id, wa_id="491701000003")
        db.session.add_all([stopped, objected, later])
        db.session.flush()
        for contact in (stopped, later):
            record = ledger.record(contact, ledger.MARKETING, "opt_out", "keyword")
            record.recorded_at = utcnow() - timedelta(days=30)
        db.session.commit()
        ids = stopped.id, objected.id, later.id
    today = utcnow().date().isoformat()
    text = (
        "Telefon;Einwilligung;Quelle;Datum\n"
        "0170 1000001;ja;Messe 2020;01.01.2020\n"
        f"0170 1000002;ja;Website;{today}\n"
        f"0170 1000003;ja;Website;{today}\n"
    )
    mapping = {
        "column_0": "phone",
        "column_1": "consent",
        "column_2": "consent_source",
        "column_3": "consent_date",
    }
    import_id = import_file(client, text, mapping=mapping)

    assert [r.action for r in records_of(app, ids[0])] == ["opt_out"]
    assert records_of(app, ids[1]) == []
    assert {r.action for r in records_of(app, ids[2])} == {"opt_in", "opt_out"}
    contacts = contacts_by_phone(app, team.workspace_id)
    assert contacts["+491701000001"].marketing_consent == "opt_out"
    assert contacts["+491701000003"].marketing_consent == "opt_in"
    done = stored_import(app, import_id)
    assert [(e["row"], e.get("imported")) for e in done.invalid_rows] == [
        (2, True),
        (3, True),
    ]
    assert done.updated_count == 3
    page = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    assert "Ohne Einwilligung importiert" in page


def huge_file(rows: int) -> str:
    lines = ["Telefon;Name;E-Mail;Einwilligung;Quelle;Datum;Labels"]
    for n in range(rows):
        consent = "ja;Website-Formular;01.02.2026" if n % 2 else "nein;;"
        lines.append(
            f"0170 {2000000 + n};Kontakt {n};k{n}@example.com;{consent};Label {n % 5}"
        )
    return "\n".join(lines) + "\n"


def test_a_huge_file_imports_completely(client, app, team):
    import_id = import_file(client, huge_file(5000))

    done = stored_import(app, import_id)
    assert (done.total_rows, done.created_count, done.invalid_rows) == (5000, 5000, [])
    with app.app_context():
        assert db.session.scalar(select(func.count(Contact.id))) == 5000
        per_purpose = dict(
            db.session.execute(
                select(ConsentRecord.purpose, func.count(ConsentRecord.id)).group_by(
                    ConsentRecord.purpose
                )
            ).all()
        )
        assert per_purpose == {ledger.MARKETING: 2500, ledger.SERVICE: 2500}
        assert db.session.scalar(select(func.count()).select_from(ContactLabel)) == 5000


def test_the_import_runs_a_bounded_number_of_statements(client, app, team):
    import_id = upload(client, huge_file(2000))
    map_columns(client, import_id)
    with counted_queries(app) as statements:
        client.post(f"/contacts/import/{import_id}/run")
    assert stored_import(app, import_id).created_count == 2000
    assert len(statements) < 40, statements


def test_running_an_import_twice_imports_once(client, app, team):
    import_id = import_file(client, huge_file(10))
    client.post(f"/contacts/import/{import_id}/run")
    with app.app_context():
        assert db.session.scalar(select(func.count(ConsentRecord.id))) == 10
    run = client.post(f"/contacts/import/{import_id}/run")
    assert run.location.endswith("/result")


def test_a_windows_1252_file_with_tabs_is_read(client, app, team):
    text = "Mobil\tName\n0170 1000001\tJürgen Größe\n"
    import_file(
        client,
        text,
        mapping={"column_0": "phone", "column_1": "name"},
        encoding="cp1252",
    )
    assert contacts_by_phone(app, team.workspace_id)["+491701000001"].name == (
        "Jürgen Größe"
    )


@pytest.mark.parametrize(
    ("mapping", "consent_text", "problem"),
    [
        ({"column_0": "name"}, "", "Telefonnummer zuordnen"),
        ({"column_0": "phone", "column_1": "phone"}, "", "nur einer Spalte"),
        (
            {"column_0": "phone", "column_3": "consent"},
            WORDING,
            "Quelle der Einwilligung",
        ),
        (
            {"column_0": "phone", "column_3": "consent", "column_4": "consent_source"},
            "",
            "Einwilligungstext angeben",
        ),
        ({"column_0": "phone", "column_4": "consent_source"}, "", "zählen nur"),
    ],
)
def test_an_incomplete_mapping_is_refused(
    client, app, team, mapping, consent_text, problem
):
    import_id = upload(client, HEADER + "0170 1234567;A;;ja;Messe;;\n")
    full = {key: "ignore" for key in MAPPING} | mapping
    response = map_columns(
        client, import_id, full, consent_text, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert stored_import(app, import_id).mapping["Telefon"] == "phone"  # unchanged


def test_the_mapping_page_guesses_columns_and_shows_samples(client, app, team):
    import_id = upload(client, HEADER + "0170 1234567;Erika;;ja;Messe;;\n")
    html = client.get(f"/contacts/import/{import_id}").get_data(as_text=True)
    assert '<option selected value="phone">' in html
    assert "0170 1234567" in html
    assert stored_import(app, import_id).mapping == {
        "Telefon": "phone",
        "Name": "name",
        "E-Mail": "email",
        "Einwilligung": "consent",
        "Quelle": "consent_source",
        "Datum": "consent_date",
        "Labels": "labels",
    }


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"PK\x03\x04 excel", "keine CSV-Datei"),
        (b"\n\n", "Spaltennamen"),
        (b"Telefon\n" + b"0170\n" * 50_001, "50.000"),
    ],
)
def test_unreadable_files_are_refused_at_upload(client, team, data, problem):
    response = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(data), "kontakte.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)


def test_files_over_the_size_limit_are_refused(app, monkeypatch):
    monkeypatch.setattr(files, "MAX_BYTES", 100)
    with app.test_request_context(), pytest.raises(ImportFileError):
        read_table(b"Telefon\n" + b"0170 1234567\n" * 10)


def test_headers_are_guessed_in_german_and_english(app):
    columns = ["Handynummer", "Vorname", "Email", "Opt-in", "Source", "Consent date"]
    columns += ["Geburtsdatum", "Tags", "Kundennummer", "Branche"]
    with app.test_request_context():
        fields = {"branche": ContactField(key="branche", label="Branche")}
        assert guess_mapping(columns, fields) == {
            "Handynummer": "phone",
            "Vorname": "name",
            "Email": "email",
            "Opt-in": "consent",
            "Source": "consent_source",
            "Consent date": "consent_date",
            "Geburtsdatum": "ignore",
            "Tags": "labels",
            "Kundennummer": "ignore",
            "Branche": "attr:branche",
        }


def test_agents_may_not_import(client, app, auth):
    make_team(app)
    auth.login(AGENT)
    assert client.get("/contacts/import").status_code == 403
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == OWNER))
        contact_import = ContactImport(
            workspace_id=workspace_of(owner).id, filename="x.csv", file_sha256="0" * 64
        )
        db.session.add(contact_import)
        db.session.commit()
        import_id = contact_import.id
    for method, url in import_routes(import_id):
        assert client.open(url, method=method).status_code == 403, url


def import_routes(import_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/contacts/import/{import_id}"),
        ("POST", f"/contacts/import/{import_id}"),
        ("POST", f"/contacts/import/{import_id}/run"),
        ("GET", f"/contacts/import/{import_id}/result"),
        ("GET", f"/contacts/import/{import_id}/invalid.csv"),
    ]


def test_another_workspaces_import_is_a_404_on_every_route(client, app, auth):
    with app.app_context():
        make_user("a@example.com", name="Alice A")
        theirs = make_user("b@example.com", name="Bob B")
        contact_import = ContactImport(
            workspace_id=workspace_of(theirs).id,
            filename="b.csv",
            file_sha256="0" * 64,
            content=MIXED.encode(),
            state="done",
            invalid_rows=[{"row": 3, "reason": "x"}],
        )
        db.session.add(contact_import)
        db.session.commit()
        import_id = contact_import.id
    auth.login("a@example.com")
    assert_cross_workspace_404(client, import_routes(import_id))
    assert stored_import(app, import_id).state == "done"


def test_posts_without_a_csrf_token_are_refused(client, app, team):
    import_id = upload(client, HEADER + "0170 1234567;A;;nein;;;\n")
    for url in (f"/contacts/import/{import_id}", f"/contacts/import/{import_id}/run"):
        assert client.post(url, data=MAPPING, csrf=False).status_code == 400
    refused = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(b"Telefon\n0170 1234567\n"), "k.csv")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert refused.status_code == 400
    assert stored_import(app, import_id).state == "uploaded"


def test_a_contact_created_meanwhile_is_updated_not_duplicated(
    client, app, team, monkeypatch
):
    """A webhook may create the number between the lookup and the insert."""
    import_id = upload(client, "Telefon;Name\n0170 1000001;Neu\n0170 1000002;Zwei\n")
    map_columns(client, import_id, {"column_0": "phone", "column_1": "name"})
    with app.app_context():
        db.session.add(Contact(workspace_id=team.workspace_id, wa_id="491701000001"))
        db.session.commit()
    lookups = []
    original = plan.existing_contacts

    def blind_first_lookup(workspace_id, phones):
        lookups.append(phones)
        return {} if len(lookups) == 1 else original(workspace_id, phones)

    # The plan looks up in importing/plan.py, the run's second look in writes.py.
    monkeypatch.setattr(plan, "existing_contacts", blind_first_lookup)
    monkeypatch.setattr(writes, "existing_contacts", blind_first_lookup)
    client.post(f"/contacts/import/{import_id}/run")

    assert lookups[1] == ["+491701000001"]
    contacts = contacts_by_phone(app, team.workspace_id)
    assert len(contacts) == 2 and contacts["+491701000001"].name == "Neu"
    done = stored_import(app, import_id)
    assert (done.created_count, done.updated_count) == (1, 1)


def test_after_the_import_the_mapping_leads_to_the_result(client, app, team):
    import_id = import_file(client, huge_file(3))
    response = client.get(f"/contacts/import/{import_id}")
    assert response.location.endswith(f"/contacts/import/{import_id}/result")
    # Nothing was rejected: no file is kept and there is nothing to download.
    assert client.get(f"/contacts/import/{import_id}/invalid.csv").status_code == 404


def age(app, import_id: int, **timestamps) -> None:
    with app.app_context():
        db.session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id)
            .values({k: utcnow() - v for k, v in timestamps.items()})
        )
        db.session.commit()


def test_the_nightly_cleanup_drops_old_files_and_unused_uploads(client, app, team):
    old = import_file(client, MIXED, mapping=MIXED_MAPPING)
    recent = import_file(client, MIXED, mapping=MIXED_MAPPING)
    stale, fresh = upload(client, MIXED), upload(client, MIXED)
    age(app, old, finished_at=timedelta(days=8))
    age(app, recent, finished_at=timedelta(days=6))
    age(app, stale, created_at=timedelta(days=2))
    age(app, fresh, created_at=timedelta(hours=20))
    before = stored_import(app, old)

    with app.app_context():
        assert purge_contact_imports() == (1, 1)
        kept = db.session.scalars(select(ContactImport.id)).all()
        assert sorted(kept) == sorted([old, recent, fresh])
        content = dict(
            db.session.execute(select(ContactImport.id, ContactImport.content)).all()
        )
        assert content[old] is None
        assert content[recent] == content[fresh] == MIXED.encode("utf-8-sig")
    after = stored_import(app, old)  # the evidence the consent records point to
    assert (after.file_sha256, after.total_rows, after.created_count) == (
        before.file_sha256,
        before.total_rows,
        before.created_count,
    )
    assert after.invalid_rows == before.invalid_rows
    assert client.get(f"/contacts/import/{old}/invalid.csv").status_code == 404
    page = client.get(f"/contacts/import/{old}/result").get_data(as_text=True)
    assert "nicht mehr verfügbar" in page and "invalid.csv" not in page
    assert "Zeile 5: Einwilligung ohne Quelle" in page
    assert client.get(f"/contacts/import/{stale}").status_code == 404
    assert client.get(f"/contacts/import/{recent}/invalid.csv").status_code == 200


def test_the_cleanup_is_scheduled_nightly(app):
    scheduler = CronScheduler(connection=redis_connection(app))
    scheduler.load_config_from_file("leadgate.cron")
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    job = jobs["leadgate.contacts.importing.writes.purge_contact_imports"]
    assert (job.queue_name, job.cron) == ("low", "30 3 * * *")
