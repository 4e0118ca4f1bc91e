"""The agent's status: set in the shell header, offline once their last login ends."""

import io
import json
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select, update

from leadgate.auth.sessions import PRESENCE_LIMIT, sweep_offline_statuses
from leadgate.extensions import db
from leadgate.models import LoginSession, Membership, Workspace, utcnow

from ..support import PASSWORD, AuthActions, make_user, url_in
from .support import add_waiting, agent_email, assignees, make_setup, run, set_status

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/inbox?state=all"}


def status_of(app, user_id: int, workspace_id: int) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Membership.status).where(
                Membership.user_id == user_id, Membership.workspace_id == workspace_id
            )
        )


def signed_in(app, email: str):
    """A browser of its own, signed in as this user."""
    client = app.test_client()
    answer = AuthActions(client).login(email)
    assert answer.status_code == 302
    return client


def test_the_header_shows_the_status_and_htmx_sets_it_with_csrf(app):
    setup = make_setup(app, agents=1, online=False)
    [agent] = setup.agents
    client = signed_in(app, agent_email(1))
    page = client.get(url_in(app, "inbox.index")).get_data(as_text=True)
    for place in ("top", "nav"):
        control = re.search(
            rf'<details class="agent-status agent-status-{place}" '
            rf'id="agent-status-{place}">(.*?)</details>',
            page,
            re.S,
        ).group(1)
        assert '<span class="visually-hidden">Ihr Status: </span>' in control
        assert '<span class="agent-status-text">Offline</span>' in control
        assert re.search(
            r'value="offline" class="agent-status-option" aria-pressed="true"', control
        )
        assert 'name="csrf_token"' in control
    url = url_in(app, "routing.set_status")
    refused = client.post(url, data={"status": "online"}, headers=HTMX, csrf=False)
    assert refused.status_code == 400
    assert status_of(app, agent, setup.workspace_id) == "offline"
    answer = client.post(url, data={"status": "online", "place": "top"}, headers=HTMX)
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert "<html" not in fragment
    # The control used comes back with the focus on its summary; the other
    # copy is swapped out of band.
    assert re.search(r'id="agent-status-top">\s*<summary autofocus>', fragment)
    assert 'id="agent-status-nav" hx-swap-oob="true"' in fragment
    assert '<span class="agent-status-text">Online</span>' in fragment
    assert 'name="next" value="/inbox?state=all"' in fragment
    assert status_of(app, agent, setup.workspace_id) == "online"


def test_without_javascript_the_form_comes_back_to_its_page(app):
    setup = make_setup(app, agents=1, online=False)
    client = signed_in(app, agent_email(1))
    url = url_in(app, "routing.set_status")
    answer = client.post(url, data={"status": "away", "next": "/contacts"})
    assert answer.status_code == 303 and answer.location == "/contacts"
    assert status_of(app, setup.agents[0], setup.workspace_id) == "away"
    answer = client.post(url, data={"status": "online", "next": "//evil.example"})
    assert answer.location == url_in(app, "inbox.index")
    assert client.post(url, data={"status": "beschäftigt"}).status_code == 422
    assert status_of(app, setup.agents[0], setup.workspace_id) == "online"


def test_going_online_in_the_header_takes_the_waiting_conversations(app):
    setup = make_setup(app, agents=2, capacity=2, online=False)
    waiting = add_waiting(app, setup, 3)
    client = signed_in(app, agent_email(2))
    answer = client.post(
        url_in(app, "routing.set_status"), data={"status": "online"}, headers=HTMX
    )
    assert answer.status_code == 200
    a2 = setup.agents[1]
    assert assignees(app, waiting) == [a2, a2, None]  # the oldest, up to capacity


def test_the_status_belongs_to_the_workspace_it_was_set_in(app):
    setup = make_setup(app, agents=1, online=False)
    [agent] = setup.agents
    with app.app_context():
        other = make_user("other@example.com", "Otto")  # owns another workspace
        other_workspace = db.session.scalar(
            select(Workspace.id).join(Membership).where(Membership.user_id == other.id)
        )
        db.session.add(
            Membership(workspace_id=other_workspace, user_id=agent, role="agent")
        )
        db.session.commit()
    client = signed_in(app, agent_email(1))
    client.post(url_in(app, "routing.set_status"), data={"status": "online"})
    assert status_of(app, agent, setup.workspace_id) == "online"
    assert status_of(app, agent, other_workspace) == "offline"


def test_offline_when_the_last_login_ends_and_signing_in_does_not_undo_it(app):
    setup = make_setup(app, agents=1, online=False)
    [agent] = setup.agents
    laptop = signed_in(app, agent_email(1))
    phone = signed_in(app, agent_email(1))
    laptop.post(url_in(app, "routing.set_status"), data={"status": "online"})
    AuthActions(phone).logout()
    assert status_of(app, agent, setup.workspace_id) == "online"  # the laptop is in
    AuthActions(laptop).logout()
    assert status_of(app, agent, setup.workspace_id) == "offline"
    signed_in(app, agent_email(1))
    assert status_of(app, agent, setup.workspace_id) == "offline"


def test_ending_logins_from_the_account_page_keeps_this_one_online(app):
    setup = make_setup(app, agents=1, online=False)
    [agent] = setup.agents
    laptop = signed_in(app, agent_email(1))
    signed_in(app, agent_email(1))
    signed_in(app, agent_email(1))
    laptop.post(url_in(app, "routing.set_status"), data={"status": "away"})
    with app.app_context():
        first_other = db.session.scalars(
            select(LoginSession.id).order_by(LoginSession.id).offset(1)
        ).first()
    answers = [
        laptop.post(url_in(app, "account.end_session", session_id=first_other)),
        laptop.post(url_in(app, "account.end_other_sessions")),
        laptop.post(
            url_in(app, "account.change_password"),
            data={"current_password": PASSWORD, "password": "ein ganz neues Passwort"},
        ),
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    with app.app_context():
        ended = db.session.scalars(
            select(LoginSession.end_reason).order_by(LoginSession.id)
        ).all()
    assert ended == [None, "ended", "ended"]
    assert status_of(app, agent, setup.workspace_id) == "away"


def test_the_sweep_sets_offline_whose_logins_all_went_idle(app):
    setup = make_setup(app, agents=2)  # both online; only agent 1 ever signed in
    a1, a2 = setup.agents
    signed_in(app, agent_email(1))
    assert run(app, sweep_offline_statuses) == 0  # an open login
    with app.app_context():
        idle = utcnow() - timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"] + 60)
        db.session.execute(update(LoginSession).values(last_seen_at=idle))
        db.session.commit()
    assert run(app, sweep_offline_statuses) == 1
    assert status_of(app, a1, setup.workspace_id) == "offline"
    # Never signed in (as the demo's second agent): left as set.
    assert status_of(app, a2, setup.workspace_id) == "online"


def test_online_agents_with_no_window_open_for_a_while_go_offline(app):
    """A closed browser keeps its login for weeks; "online" needs an open window
    (its live stream keeps the login seen): after PRESENCE_LIMIT without, offline."""
    setup = make_setup(app, agents=3)  # all online
    a1, a2, a3 = setup.agents
    for n in (1, 2, 3):
        signed_in(app, agent_email(n))
    set_status(app, setup, [a3], "away")
    gone = utcnow() - PRESENCE_LIMIT - timedelta(minutes=1)
    with app.app_context():
        for user_id, seen in ((a1, gone), (a2, utcnow()), (a3, gone)):
            db.session.execute(
                update(LoginSession)
                .where(LoginSession.user_id == user_id)
                .values(last_seen_at=seen)
            )
        db.session.commit()
    assert run(app, sweep_offline_statuses) == 1
    assert status_of(app, a1, setup.workspace_id) == "offline"
    assert status_of(app, a2, setup.workspace_id) == "online"  # a window is open
    assert status_of(app, a3, setup.workspace_id) == "away"  # takes nothing new anyway


def test_the_agents_own_data_export_has_their_status(app):
    setup = make_setup(app, agents=1)
    client = signed_in(app, agent_email(1))
    answer = client.post(url_in(app, "privacy.export_account"))
    assert answer.status_code == 200
    document = json.loads(zipfile.ZipFile(io.BytesIO(answer.data)).read("account.json"))
    [membership] = document["memberships"]
    assert membership["workspace_id"] == setup.workspace_id
    assert membership["status"] == "online" and membership["status_changed_at"]
