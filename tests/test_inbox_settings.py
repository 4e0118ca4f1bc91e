"""Textbausteine and labels: kept by owners and admins, used by the whole team."""

import re

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import CannedResponse, Label

from .inbox_support import AGENT, OWNER, make_team
from .support import make_user, workspace_of

HX = {"HX-Request": "true"}
OPTION = re.compile(r'role="option"[^>]*data-text="([^"]*)"><strong>([^<]*)</strong>')


def suggestions(client, typed: str) -> list[tuple[str, str]]:
    """The composer's suggestions for "/<typed>": (shortcut, text) per option."""
    response = client.get("/inbox/canned", query_string={"q": typed}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith(
        '<ul id="canned-suggestions"'
    )
    return [(shortcut, text) for text, shortcut in OPTION.findall(html)]


def test_owners_keep_canned_responses_and_agents_find_them(client, auth, app):
    make_team(app)
    auth.login(OWNER)
    response = client.post(
        "/settings/canned-responses",
        data={"shortcut": "Angebot", "text": "Gern schicke ich Ihnen ein Angebot."},
    )
    assert response.status_code == 303
    again = client.post(
        "/settings/canned-responses", data={"shortcut": "angebot", "text": "Doppelt"}
    )
    assert "Dieses Kürzel gibt es schon." in again.get_data(as_text=True)
    bad = client.post(
        "/settings/canned-responses", data={"shortcut": "a b", "text": "x"}
    )
    assert "Nur Buchstaben, Ziffern" in bad.get_data(as_text=True)
    auth.logout()
    auth.login(AGENT)
    assert client.get("/settings/canned-responses").status_code == 403
    assert suggestions(client, "ang") == [
        ("/angebot", "Gern schicke ich Ihnen ein Angebot.")
    ]
    assert suggestions(client, "x") == []
    assert suggestions(client, "%") == []  # no LIKE wildcards


def test_canned_responses_of_other_workspaces_stay_hidden(client, auth, app):
    make_team(app)
    with app.app_context():
        stranger = workspace_of(make_user("stranger@example.com"))
        db.session.add(
            CannedResponse(workspace_id=stranger.id, shortcut="geheim", text="Nein")
        )
        db.session.commit()
        foreign = db.session.scalar(select(CannedResponse.id))
    auth.login(OWNER)
    assert suggestions(client, "") == []
    assert (
        client.post(f"/settings/canned-responses/{foreign}/delete").status_code == 404
    )


def test_labels_are_created_once_and_deleted_everywhere(client, auth, app):
    make_team(app)
    auth.login(OWNER)
    client.post("/settings/labels", data={"name": "Bewerbung"})
    page = client.post("/settings/labels", data={"name": "Bewerbung"})
    assert "Dieses Label gibt es schon." in page.get_data(as_text=True)
    with app.app_context():
        [label_id] = db.session.scalars(select(Label.id)).all()
    assert "Bewerbung" in client.get("/inbox").get_data(as_text=True)  # the filter
    client.post(f"/settings/labels/{label_id}/delete")
    with app.app_context():
        assert db.session.scalars(select(Label)).all() == []
    auth.logout()
    auth.login(AGENT)
    assert client.get("/settings/labels").status_code == 403
