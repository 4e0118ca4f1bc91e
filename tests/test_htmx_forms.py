"""Forms of the htmx actions: one CSRF check, input checked by WTForms, vendored htmx.

The global CSRFProtect is the one token check: the views no longer repeat it
(a repeat could never fail). Each one-click action reads its input through a
small form, so malformed input gets a 422 in words instead of a 500 or a silent
guess; good input is answered as before (the feature tests and the tenancy
registry hold those answers).
"""

import re
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Conversation, Label

from .inbox_support import OWNER, add_conversations, add_label, make_team

ROOT = Path(__file__).parents[1]
CSRF_ANSWER = "Sicherheitsprüfung fehlgeschlagen"


def url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def state_of(app, conversation_id: int) -> tuple:
    with app.app_context():
        found = db.session.get(Conversation, conversation_id)
        return found.state, found.assignee_id, found.contact.restricted_at


def label_exists(app, label_id: int) -> bool:
    with app.app_context():
        return (
            db.session.scalar(select(Label.id).where(Label.id == label_id)) is not None
        )


@pytest.fixture
def world(app, auth):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    label = add_label(app, team, "VIP")
    auth.login(OWNER)
    return team, cid, label


# Endpoints whose views used to re-check the token with an empty FlaskForm.
@pytest.mark.parametrize(
    ("endpoint", "values", "data"),
    [
        ("inbox.change_state", {"conversation_id": "cid"}, {"state": "resolved"}),
        ("inbox.assign", {"conversation_id": "cid"}, {"assignee": "me"}),
        ("inbox.send", {"conversation_id": "cid"}, {"text": "Hallo"}),
        ("labels.delete", {"label_id": "label"}, {}),
        ("consent.record_objection", {"contact_id": "contact"}, {}),
        ("contacts.lift_restriction", {"contact_id": "contact"}, {}),
    ],
)
def test_a_post_without_token_gets_the_csrf_answer(
    client, app, world, endpoint, values, data
):
    app.config["WTF_CSRF_ENABLED"] = True  # whatever other tests choose
    team, cid, label = world
    with app.app_context():
        contact_id = db.session.get(Conversation, cid).contact_id
    ids = {"cid": cid, "label": label, "contact": contact_id}
    target = url(app, endpoint, **{key: ids[v] for key, v in values.items()})
    before = state_of(app, cid)
    response = client.post(target, data=data, csrf=False)
    assert response.status_code == 400
    assert CSRF_ANSWER in response.get_data(as_text=True)
    assert state_of(app, cid) == before
    assert label_exists(app, label)
    fragment = client.post(
        target, data=data, csrf=False, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 400
    assert CSRF_ANSWER in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


INVALID = "Keine gültige Auswahl."


@pytest.mark.parametrize(
    ("endpoint", "data", "says"),
    [
        ("inbox.assign", {"assignee": "jemand"}, "Zuständig: " + INVALID),
        ("inbox.assign", {"assignee": "9" * 30}, INVALID),  # beyond any column
        ("inbox.change_state", {"state": "archived"}, "Status: " + INVALID),
        ("inbox.change_state", {"state": "snoozed"}, INVALID),  # needs a time
        ("inbox.change_state", {}, INVALID),
        ("inbox.snooze", {"preset": "someday"}, "Zurückstellen bis: " + INVALID),
        ("inbox.snooze", {"until": "morgen früh"}, "Zeitpunkt: "),
        ("inbox.add_label", {"label_id": "x"}, "Label: "),
        ("inbox.add_label", {}, "Label: " + INVALID),
        ("inbox.add_label", {"label_id": "9" * 30}, "Label: " + INVALID),
        ("inbox.send", {"text": "Hallo", "reply_to": "abc"}, "Antwort auf: "),
        ("inbox.send_template", {"template_id": "erste"}, "Vorlage: "),
        ("inbox.report_presence", {"state": "sleeping"}, INVALID),
    ],
)
def test_malformed_action_input_is_refused_in_words(
    client, app, world, endpoint, data, says
):
    team, cid, label = world
    before = state_of(app, cid)
    target = url(app, endpoint, conversation_id=cid)
    page = client.post(target, data=data)
    assert page.status_code == 422
    assert "Ungültige Eingabe" in page.get_data(as_text=True)
    assert says in page.get_data(as_text=True)
    fragment = client.post(target, data=data, headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    assert 'id="error-422"' in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert state_of(app, cid) == before


@pytest.mark.parametrize(
    ("endpoint", "data", "says"),
    [
        ("inbox.remember_panel", {"state": "<script>"}, "Seitenleiste: " + INVALID),
        ("workspaces.switch", {"workspace_id": "abc"}, "Workspace: "),
        ("workspaces.switch", {}, "Workspace: "),
        ("cookies.save", {"action": "alles"}, "Auswahl: " + INVALID),
    ],
)
def test_other_actions_refuse_malformed_input(client, app, world, endpoint, data, says):
    response = client.post(url(app, endpoint), data=data)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)


def test_a_chosen_snooze_time_is_read_in_the_agents_zone(client, app, world):
    team, cid, label = world
    response = client.post(
        url(app, "inbox.snooze", conversation_id=cid),
        data={"until": "2099-01-02T09:30"},
    )
    assert response.status_code == 303
    with app.app_context():
        found = db.session.get(Conversation, cid)
        assert found.state == "snoozed"
        assert found.snoozed_until.strftime("%Y-%m-%d") == "2099-01-02"
    empty = client.post(url(app, "inbox.snooze", conversation_id=cid), data={})
    assert empty.status_code == 303  # refused by the team rule, as before
    follow = client.get(empty.headers["Location"]).get_data(as_text=True)
    assert "Bitte einen Zeitpunkt wählen." in follow


def test_the_vendored_htmx_is_the_version_the_readme_names(client):
    readme = (ROOT / "README.md").read_text()
    version = re.search(r"\bhtmx (\d+\.\d+\.\d+)", readme).group(1)
    vendored = sorted(p.name for p in (ROOT / "static/vendor").glob("htmx-[0-9]*"))
    assert vendored == [f"htmx-{version}.min.js"]
    inside = (ROOT / "static/vendor" / vendored[0]).read_text()
    assert re.findall(r'\bversion:"([^"]+)"', inside) == [version]
    page = client.get("/impressum").get_data(as_text=True)
    loaded = re.findall(r'src="(/static/vendor/htmx-[0-9][^"]*)"', page)
    assert loaded == [f"/static/vendor/htmx-{version}.min.js"]
    with client.get(loaded[0]) as served:
        assert served.status_code == 200


def test_the_error_banner_text_comes_from_the_server(client, app):
    page = client.get("/impressum").get_data(as_text=True)
    banner = re.search(
        r'<template id="htmx-error-template">(.*?)</template>', page, re.S
    )
    assert "Das hat nicht geklappt (Fehler <span data-error-status></span>)" in (
        banner.group(1)
    )
    app_js = (ROOT / "static/app.js").read_text()
    assert "Das hat nicht geklappt" not in app_js
    assert "That did not work" not in app_js
