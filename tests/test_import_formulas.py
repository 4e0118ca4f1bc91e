"""The left-out rows of a contact import: defused against formulas, and importable again.

The download holds what strangers typed ("=HYPERLINK(…)", "@SUM(1+1)"): every
cell is defused as the contact export does (contacts/export.safe); the prefix is
taken off again when the corrected file is uploaded.
"""

import csv
import io

import pytest

from leadgate.contacts.export import safe, undefused
from leadgate.extensions import db
from leadgate.models import ContactImport

from .inbox_support import OWNER, make_team
from .test_contact_import import contacts_by_phone, map_columns, upload

FILE = (
    "Telefon;Name;@Notiz\n"
    "=1+2;Formel Eins;x\n"  # 2: not a number
    "0170 1000001;@SUM(1+1);ok\n"  # 3: imported
    "+49 1;-Minus;+Plus\n"  # 4: too short
    'abc;"\tTab";"\rWagenrücklauf"\n'  # 5: not a number
)
MAPPING = {"column_0": "phone", "column_1": "name", "column_2": "ignore"}


@pytest.fixture
def team(app, auth):
    team = make_team(app)
    auth.login(OWNER)
    return team


def run_import(client, data: str, mapping=MAPPING) -> int:
    import_id = upload(client, data)
    assert map_columns(client, import_id, mapping, consent_text="").status_code == 303
    client.post(f"/contacts/import/{import_id}/run")
    return import_id


def left_out(client, import_id: int) -> str:
    response = client.get(f"/contacts/import/{import_id}/invalid.csv")
    assert response.status_code == 200
    return response.get_data().decode("utf-8-sig")


@pytest.mark.parametrize(
    ("cell", "defused"),
    [
        ("=1+2", "'=1+2"),
        ("+49 170", "'+49 170"),
        ("-Minus", "'-Minus"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Normal", "Normal"),
        ("'schon Text", "'schon Text"),
        ("", ""),
    ],
)
def test_the_rule_is_undone_exactly(cell, defused):
    assert safe(cell) == defused
    assert undefused(defused) == cell


def test_the_left_out_rows_come_back_defused(client, app, team):
    import_id = run_import(client, FILE)
    rows = list(
        csv.reader(io.StringIO(left_out(client, import_id), newline=""), delimiter=";")
    )
    assert rows[0] == ["Telefon", "Name", "'@Notiz", "Grund"]
    assert [row[:3] for row in rows[1:]] == [
        ["'=1+2", "Formel Eins", "x"],
        ["'+49 1", "'-Minus", "'+Plus"],
        ["abc", "'\tTab", "'\rWagenrücklauf"],
    ]
    assert all(row[3] for row in rows[1:])  # each with its reason
    assert set(contacts_by_phone(app, team.workspace_id)) == {"+491701000001"}
    assert contacts_by_phone(app, team.workspace_id)["+491701000001"].name == (
        "@SUM(1+1)"  # what was typed, as it was typed
    )


def test_the_corrected_download_imports_as_typed(client, app, team):
    first = run_import(client, FILE)
    corrected = (
        left_out(client, first)
        .replace("'=1+2", "'+49 170 1000002")  # fixed, the prefix left in place
        .replace("'+49 1;", "'+49 170 1000003;")
        .replace("abc;", "0170 1000004;")
    )
    mapping = {**MAPPING, "column_3": "ignore"}  # the reason column
    second = run_import(client, corrected, mapping)
    assert left_out_count(app, second) == 0
    names = {
        phone: contact.name
        for phone, contact in contacts_by_phone(app, team.workspace_id).items()
    }
    assert names == {
        "+491701000001": "@SUM(1+1)",
        "+491701000002": "Formel Eins",
        "+491701000003": "-Minus",
        "+491701000004": "Tab",  # names are trimmed
    }


def left_out_count(app, import_id: int) -> int:
    with app.app_context():
        return len(db.session.get(ContactImport, import_id).invalid_rows)
