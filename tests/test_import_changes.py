"""The import preview shows changes to known contacts; the default only fills gaps.

Also: a bad optional value leaves just that value out (with a warning), and a
restricted contact is never changed by an import.
"""

import csv
import io
import re

import pytest
from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.contacts.importing.plan import latest_opt_outs
from leadgate.extensions import db
from leadgate.models import Contact, ContactField, ContactLabel, Label, User, utcnow

from .inbox_support import OWNER, make_team
from .test_contact_import import (
    WORDING,
    contacts_by_phone,
    records_of,
    stored_import,
    upload,
)

FILE = (
    "Telefon;Name;E-Mail;Branche\n"
    "0170 1000001;Erika Alt;erika.alt@example.com;Handel\n"  # 2: corrected by the team
    "0170 1000002;Max Neu;max@example.com;IT\n"  # 3: known, but without values
    "0170 1000003;Ganz Neu;neu@example.com;Bau\n"  # 4: new
)
MAPPING = {
    "column_0": "phone",
    "column_1": "name",
    "column_2": "email",
    "column_3": "attr:branche",
}


@pytest.fixture
def team(app, auth):
    team = make_team(app)
    auth.login(OWNER)
    with app.app_context():
        db.session.add_all(
            [
                ContactField(
                    workspace_id=team.workspace_id, key="branche", label="Branche"
                ),
                Contact(
                    workspace_id=team.workspace_id,
                    phone_e164="+491701000001",
                    name="Erika Muster",
                    email="erika@example.com",
                    attributes={"branche": "Handwerk"},
                ),
                Contact(workspace_id=team.workspace_id, wa_id="491701000002"),
            ]
        )
        db.session.commit()
    return team


def preview(client, import_id: int, **extra) -> tuple[int, str]:
    response = client.post(
        f"/contacts/import/{import_id}",
        data={**MAPPING, "consent_text": WORDING, **extra},
        headers={"HX-Request": "true"},
    )
    return response.status_code, response.get_data(as_text=True)


def checked_mode(client, import_id: int) -> str:
    page = client.get(f"/contacts/import/{import_id}").get_data(as_text=True)
    (mode,) = re.findall(
        r'<input checked [^>]*name="update_mode"[^>]*value="(\w+)"', page
    )
    return mode


def change_of(html: str, row: int) -> str:
    return html.split(f'id="import-change-{row}"')[1].split("</ul>")[0]


def test_by_default_only_empty_fields_are_filled(client, app, team):
    import_id = upload(client, FILE)
    assert checked_mode(client, import_id) == "fill"

    status, html = preview(client, import_id)

    assert status == 200
    corrected = change_of(html, 2)
    assert "Name: Erika Muster → Erika Alt" in corrected
    assert "E-Mail-Adresse: erika@example.com → erika.alt@example.com" in corrected
    assert "Branche: Handwerk → Handel" in corrected
    assert corrected.count("bleibt unverändert") == 3
    filled = change_of(html, 3)
    assert "Name: – → Max Neu" in filled and "bleibt unverändert" not in filled
    assert 'id="import-change-4"' not in html  # a new contact is no change
    assert "1 Kontakt wird ergänzt" in html
    assert "3 vorhandene Werte bleiben" in html

    client.post(f"/contacts/import/{import_id}/run")

    contacts = contacts_by_phone(app, team.workspace_id)
    erika = contacts["+491701000001"]
    assert (erika.name, erika.email, erika.attributes) == (
        "Erika Muster",
        "erika@example.com",
        {"branche": "Handwerk"},
    )
    max_ = contacts["+491701000002"]
    assert (max_.name, max_.email, max_.attributes) == (
        "Max Neu",
        "max@example.com",
        {"branche": "IT"},
    )
    assert contacts["+491701000003"].name == "Ganz Neu"


def test_overwrite_replaces_what_the_file_has(client, app, team):
    import_id = upload(client, FILE)

    status, html = preview(client, import_id, update_mode="overwrite")

    assert status == 200
    assert "bleibt unverändert" not in html
    assert "2 Kontakte werden geändert" in html
    assert checked_mode(client, import_id) == "overwrite"  # the choice is kept
    client.post(f"/contacts/import/{import_id}/run")
    erika = contacts_by_phone(app, team.workspace_id)["+491701000001"]
    assert (erika.name, erika.email, erika.attributes) == (
        "Erika Alt",
        "erika.alt@example.com",
        {"branche": "Handel"},
    )
    assert stored_import(app, import_id).update_mode == "overwrite"


def test_an_unknown_mode_is_refused(client, team):
    import_id = upload(client, FILE)
    status, html = preview(client, import_id, update_mode="alles")
    assert status == 422
    assert "Keine gültige Auswahl" in html  # the German UI's own message


def test_a_bad_optional_value_leaves_out_only_that_value(client, app, team):
    with app.app_context():
        db.session.add(
            ContactField(
                workspace_id=team.workspace_id,
                key="budget",
                label="Budget",
                kind="number",
            )
        )
        db.session.commit()
    long_label = "L" * 41
    text = (
        "Telefon;Name;E-Mail;Budget;Labels\n"
        "0170 2000001;Eva Fehler;eva(at)example;5000;VIP\n"  # 2: bad email
        f"0170 2000002;Olaf Zahl;olaf@example.com;viel;Messe, {long_label}\n"  # 3
        "12345;Keine Nummer;kaputt;1;\n"  # 4: no valid number: rejected
    )
    import_id = upload(client, text)
    mapping = {
        "column_0": "phone",
        "column_1": "name",
        "column_2": "email",
        "column_3": "attr:budget",
        "column_4": "labels",
    }
    response = client.post(
        f"/contacts/import/{import_id}",
        data={**mapping, "consent_text": ""},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    warnings = html.split('id="import-warnings-heading"')[1].split("</ul>")[0]
    assert "Zeile 2: Die E-Mail-Adresse ist ungültig. Ohne diesen Wert importiert." in (
        warnings
    )
    row_3 = warnings.split("Zeile 3: ")[1].split("</li>")[0]
    assert "„Budget“ ist keine Zahl. Ohne diesen Wert importiert." in row_3
    assert "Ein Label ist länger als 40 Zeichen. Ohne diesen Wert importiert." in row_3
    assert "Zeile 4" not in warnings

    client.post(f"/contacts/import/{import_id}/run")

    contacts = contacts_by_phone(app, team.workspace_id)
    eva, olaf = contacts["+491702000001"], contacts["+491702000002"]
    assert (eva.name, eva.email, eva.attributes) == (
        "Eva Fehler",
        None,
        {"budget": "5000"},
    )
    assert (olaf.email, olaf.attributes) == ("olaf@example.com", {})
    with app.app_context():
        labels = db.session.scalars(
            select(Label.name)
            .join(ContactLabel, ContactLabel.label_id == Label.id)
            .where(ContactLabel.contact_id == olaf.id)
        ).all()
    assert labels == ["Messe"]
    done = stored_import(app, import_id)
    assert (done.created_count, done.updated_count) == (2, 0)
    rejected = [e["row"] for e in done.invalid_rows if not e.get("imported")]
    assert rejected == [4]
    result = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    section = result.split('id="import-warnings"')[1].split("</section>")[0]
    assert "Zeile 2: Die E-Mail-Adresse ist ungültig" in section
    assert "Zeile 3:" in section
    download = client.get(f"/contacts/import/{import_id}/invalid.csv")
    text = download.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Keine Nummer"]  # warnings stay out


def test_a_restricted_contact_is_never_changed(client, app, team):
    with app.app_context():
        contact = db.session.scalars(
            select(Contact).where(Contact.phone_e164 == "+491701000001")
        ).one()
        contact.restricted_at, contact.restricted_reason = utcnow(), "Bestritten"
        db.session.commit()
        contact_id = contact.id
    text = (
        "Telefon;Name;E-Mail;Branche;Labels;Einwilligung;Quelle\n"
        "0170 1000001;Erika Alt;alt@example.com;Handel;VIP;ja;Messe\n"
    )
    import_id = upload(client, text)
    mapping = {
        **MAPPING,
        "column_4": "labels",
        "column_5": "consent",
        "column_6": "consent_source",
    }
    response = client.post(
        f"/contacts/import/{import_id}",
        data={**mapping, "consent_text": WORDING, "update_mode": "overwrite"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert "eingeschränkt: nichts geändert" in html
    assert 'id="import-change-2"' not in html  # no change is offered for it

    client.post(f"/contacts/import/{import_id}/run")

    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert (contact.name, contact.email, contact.attributes) == (
            "Erika Muster",
            "erika@example.com",
            {"branche": "Handwerk"},
        )
        assert contact.updated_at is None and contact.marketing_consent is None
        assert db.session.scalar(select(ContactLabel.label_id)) is None
    assert records_of(app, contact_id) == []
    done = stored_import(app, import_id)
    assert (done.created_count, done.updated_count) == (0, 0)
    result = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    assert "eingeschränkt: nichts geändert" in result


def test_a_taken_back_objection_does_not_hide_an_earlier_stop(app, team):
    """The import's opt-out check reads the ledger as it holds (consent/ledger.py)."""
    with app.app_context():
        contact = db.session.scalars(
            select(Contact).where(Contact.phone_e164 == "+491701000001")
        ).one()
        stop = ledger.record(contact, ledger.MARKETING, "opt_out", "keyword")
        db.session.flush()
        mistake = ledger.record(contact, ledger.MARKETING, "opt_out", "agent")
        db.session.flush()
        owner = db.session.get(User, team.owner_id)
        ledger.take_back(contact, ledger.MARKETING, [mistake], owner, "Irrtum")
        db.session.commit()
        assert ledger.current(contact.id, ledger.MARKETING).id == stop.id
        assert contact.id in latest_opt_outs([contact.id])
