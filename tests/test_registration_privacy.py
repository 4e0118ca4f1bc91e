"""Sign-up reveals no accounts: a known address gets the same answer as a new one.

The holder of a known address is mailed instead; a new address completes the
sign-up with the mailed link (auth/registration.py).
"""

import re

import pytest
from sqlalchemy import event, select

from leadgate.extensions import db
from leadgate.models import Membership, User
from leadgate.workspaces.services import create_invite

from .support import PASSWORD, make_user, workspace_of

CSRF = re.compile(r'(name="csrf_token" value=|"X-CSRFToken": )"[^"]+"')
CONFIRM = re.compile(r"http://localhost(/register/confirm/\S+)")


def sign_up(client, url="/register", **overrides):
    data = {
        "name": "Mallory Muster",
        "email": "erika@example.com",
        "password": PASSWORD,
        "workspace_name": "Muster GmbH",
        **overrides,
    }
    return client.post(url, data=data)


def answer(response, client) -> tuple:
    """What the requester can observe: status, target, and the page it leads to."""
    page = client.get(response.location)
    return (
        response.status_code,
        response.location,
        response.get_data(as_text=True),
        page.status_code,
        CSRF.sub("TOKEN", page.get_data(as_text=True)),
    )


@pytest.fixture
def erika(app):
    """An existing account at the address the tests sign up with."""
    with app.app_context():
        user = make_user("erika@example.com", name="Erika Mustermann")
        return user.id, user.password_hash


def test_known_and_new_addresses_get_the_same_answer(app, erika, outbox):
    known = app.test_client()
    new = app.test_client()
    known_answer = answer(sign_up(known), known)
    new_answer = answer(sign_up(new, email="neu@example.com"), new)

    assert known_answer == new_answer
    assert known_answer[:2] == (302, "/register/sent")
    assert "E-Mail nicht verschickt" in known_answer[4]  # no mail server here
    # The holder is told, and nothing about the account changed.
    holder_mail, new_mail = outbox
    assert holder_mail["To"] == "erika@example.com"
    body = holder_mail.get_content()
    assert "Jemand wollte mit Ihrer E-Mail-Adresse ein neues LeadGate-Konto" in body
    assert "Hallo Erika Mustermann," in body and "Mallory" not in body
    assert (
        "http://localhost/login" in body and "http://localhost/password-reset" in body
    )
    assert not CONFIRM.search(body)
    assert new_mail["To"] == "neu@example.com" and CONFIRM.search(
        new_mail.get_content()
    )
    with app.app_context():
        (user,) = db.session.scalars(select(User)).all()  # no second account yet
        assert (user.id, user.password_hash, user.name) == (
            erika[0],
            erika[1],
            "Erika Mustermann",
        )


def test_the_view_does_the_same_work_for_both(app, erika):
    """No lookup in the request (same statements), so no timing difference either."""
    app.config["QUEUE_IS_ASYNC"] = True  # the job runs later, out of the request
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        sign_up(app.test_client())
        known = list(statements)
        statements.clear()
        sign_up(app.test_client(), email="neu@example.com")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == known
    assert not any("user" in s.lower() and "email" in s.lower() for s in known)


def test_a_confirmed_link_for_a_taken_address_creates_nothing(app, client, outbox):
    sign_up(client)
    link = CONFIRM.search(outbox[-1].get_content()).group(1)
    with app.app_context():
        make_user("erika@example.com")  # registered meanwhile by other means
    response = client.post(link, follow_redirects=True)
    assert "ungültig, abgelaufen oder wurde schon benutzt" in response.get_data(True)
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


@pytest.fixture
def invite_links(app):
    """Two open invites to Olga's workspace; their links and the workspace id."""
    with app.app_context():
        owner = make_user("olga@example.com", name="Olga Owner")
        workspace = workspace_of(owner)
        tokens = [
            create_invite(workspace, address, "agent", owner)
            for address in ("erika@example.com", "neu@example.com")
        ]
        db.session.commit()
        return [f"/invite/{token}" for token in tokens], workspace.id


def test_invite_sign_up_answers_the_same_and_tells_the_holder(
    app, erika, invite_links, outbox
):
    (known_link, new_link), workspace_id = invite_links
    known = app.test_client()
    new = app.test_client()
    known_answer = answer(sign_up(known, known_link), known)
    new_answer = answer(sign_up(new, new_link, email="neu@example.com"), new)

    assert known_answer == new_answer
    assert known_answer[:2] == (302, "/register/sent")
    holder_mail, new_mail = outbox
    assert holder_mail["To"] == "erika@example.com"
    body = holder_mail.get_content()
    assert "Sie haben aber schon ein Konto" in body and "Workspace Olga Owner" in body
    assert f"http://localhost{known_link}" in body and not CONFIRM.search(body)
    # The holder logs in and accepts with the link from the mail.
    known.post("/login", data={"email": "erika@example.com", "password": PASSWORD})
    assert known.post(known_link).location == "/inbox"
    # The new address completes its sign-up and joins with the mailed link.
    confirm = CONFIRM.search(new_mail.get_content()).group(1)
    assert "Workspace Olga Owner" in new_mail.get_content()
    assert new.post(confirm).location == "/inbox"
    with app.app_context():
        members = db.session.scalars(
            select(User.email)
            .join(Membership)
            .where(Membership.workspace_id == workspace_id)
        ).all()
    assert sorted(members) == [
        "erika@example.com",
        "neu@example.com",
        "olga@example.com",
    ]


def test_sign_up_rate_limits_apply_to_known_and_new_addresses_alike(app, erika):
    client = app.test_client()
    for address in ("erika@example.com", "neu@example.com"):
        statuses = [sign_up(client, email=address).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429], address  # 3 mails per address an hour
    others = [sign_up(client, email=f"x{n}@example.com").status_code for n in range(5)]
    assert others == [302, 302, 302, 302, 429]  # 10 sign-ups per IP an hour


def test_invite_sign_up_is_rate_limited_per_address(app, erika, invite_links):
    client = app.test_client()
    link = invite_links[0][0]
    statuses = [sign_up(client, link).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
