"""Numbers typed as people type them find the same contacts in the inbox and the contact list.

Also: a search gives the same rows whether its matches are few (fetched by id)
or many (tested row by row while the list is walked), see inbox/search.py.
"""

import re

import pytest

from leadgate.extensions import db
from leadgate.inbox import search as inbox_search
from leadgate.models import Contact, Workspace
from leadgate.phones import NumberSearch, number_search

from .inbox_support import (
    OWNER,
    add_contact_conversation,
    add_conversations,
    make_team,
)
from .support import make_user, workspace_of

LISTED = re.compile(r'<li id="conversation-(\d+)"')
CONTACT_ROW = re.compile(r'id="contact-(\d+)"')


@pytest.mark.parametrize(
    ("typed", "region", "wanted"),
    [
        ("0151 1234", "DE", NumberSearch("491511234", leading=True)),
        ("01511234", "DE", NumberSearch("491511234", leading=True)),
        ("(0151) 12 34", "DE", NumberSearch("491511234", leading=True)),
        ("+49 151 1234", "DE", NumberSearch("491511234", leading=True)),
        ("0049 151 1234", "DE", NumberSearch("491511234", leading=True)),
        ("0664 123", "AT", NumberSearch("43664123", leading=True)),
        ("079 123", "CH", NumberSearch("4179123", leading=True)),
        ("1511234", "DE", NumberSearch("1511234", leading=False)),  # any part
        ("1 201 555", "US", NumberSearch("1201555", leading=False)),  # 1 = +1
        ("12", "DE", None),  # too few digits to mean a number
        ("Anna", "DE", None),
    ],
)
def test_a_typed_number_becomes_the_digits_it_looks_for(typed, region, wanted):
    assert number_search(typed, region) == wanted


TEXT = "Guten Tag"


@pytest.fixture
def numbers(app, client, auth):
    """Lena's number, a landline holding her digits further in, and an AT number."""
    team = make_team(app)
    lena = add_contact_conversation(app, team, "+4915112345678", "Lena Fischer", TEXT)
    landline = add_contact_conversation(app, team, "+49301511234567", "Büro Hahn", TEXT)
    austria = add_contact_conversation(app, team, "+436641234567", "Sepp Huber", TEXT)
    add_conversations(app, team, 3, name="Andere")
    with app.app_context():  # the same number in another workspace stays apart
        other = workspace_of(make_user("other@example.com", name="Otto Anders"))
        db.session.add(
            Contact(
                workspace_id=other.id,
                wa_id="4915112345678",
                phone_e164="+4915112345678",
                attributes={},
            )
        )
        db.session.commit()
    auth.login(OWNER)
    return {"team": team, "lena": lena, "landline": landline, "austria": austria}


def inbox_finds(client, q: str) -> set[int]:
    page = client.get("/inbox", query_string={"q": q, "state": "all"})
    assert page.status_code == 200
    return {int(n) for n in LISTED.findall(page.get_data(as_text=True))}


def contacts_find(client, q: str) -> set[int]:
    page = client.get("/contacts", query_string={"q": q}, headers={"HX-Request": "1"})
    assert page.status_code == 200
    return {int(n) for n in CONTACT_ROW.findall(page.get_data(as_text=True))}


@pytest.mark.parametrize(
    "typed",
    [
        "0151 1234",
        "01511234",
        "0151 12345678",
        "(0151) 1234-5678",
        "+49 151 1234",
        "+49 151 12345678",
        "0049151 1234",
        "0049 151 12345678",
    ],
)
def test_national_and_international_input_find_the_number(client, numbers, typed):
    lena_contact, lena_conversation = numbers["lena"]
    assert inbox_finds(client, typed) == {lena_conversation}
    assert contacts_find(client, typed) == {lena_contact}


def test_digits_without_a_prefix_find_the_number_wherever_they_stand(client, numbers):
    conversations = {numbers["lena"][1], numbers["landline"][1]}
    contacts = {numbers["lena"][0], numbers["landline"][0]}
    assert inbox_finds(client, "1511234") == conversations
    assert contacts_find(client, "1511234") == contacts
    assert inbox_finds(client, "5678") == {numbers["lena"][1]}  # the end of one


def test_national_input_belongs_to_the_workspace_region(client, app, numbers):
    austria_contact, austria_conversation = numbers["austria"]
    assert inbox_finds(client, "0664 1234567") == set()  # in Germany: +49 664 …
    with app.app_context():
        db.session.get(Workspace, numbers["team"].workspace_id).phone_region = "AT"
        db.session.commit()
    assert inbox_finds(client, "0664 1234567") == {austria_conversation}
    assert contacts_find(client, "0664 1234567") == {austria_contact}
    assert inbox_finds(client, "0151 1234") == set()  # now an Austrian 0151


@pytest.mark.parametrize(
    "typed",
    ["0151 1234", "1511234", "Lena", "fischer", "Guten", "Andere", "Nachricht 1"],
)
def test_few_and_many_matches_give_the_same_rows(client, numbers, monkeypatch, typed):
    few = inbox_finds(client, typed)  # matches fetched by id
    assert few
    monkeypatch.setattr(inbox_search, "FEW", 0)  # every match counts as "many"
    assert inbox_finds(client, typed) == few  # tested row by row in the walk


def test_a_contact_known_only_by_its_e164_number_is_found_by_it(client, app, numbers):
    """The number search reads the WhatsApp id and the E.164 number as one text
    (a merge can leave a row with the number and without the WhatsApp id)."""
    team = numbers["team"]
    with app.app_context():
        imported = Contact(
            workspace_id=team.workspace_id,
            phone_e164="+4917698765432",
            name="Ida Nummer",
            attributes={},
        )
        db.session.add(imported)
        db.session.commit()
        imported_id = imported.id
    assert contacts_find(client, "0176 98765") == {imported_id}  # leading
    assert contacts_find(client, "+49 176 98765432") == {imported_id}
    assert contacts_find(client, "698765") == {imported_id}  # any part
    assert contacts_find(client, "49176") == {imported_id}  # no space in between
