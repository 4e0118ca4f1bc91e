import re

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import AccessLog, Membership, User

from .support import CSRF_PATTERN, PASSWORD, make_user


def register(client, **overrides):
    data = {
        "name": "Erika Mustermann",
        "email": "erika@example.com",
        "password": PASSWORD,
        "workspace_name": "Muster GmbH",
        **overrides,
    }
    return client.post("/register", data=data)


def confirm_link(outbox) -> str:
    """The link in the last sign-up mail."""
    body = outbox[-1].get_content()
    return re.search(r"http://localhost(/register/confirm/\S+)", body).group(1)


def test_register_creates_user_and_owned_workspace(client, app, outbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    with app.app_context():
        assert db.session.scalar(select(User)) is None  # not before the link is used
    assert outbox[-1]["To"] == "erika@example.com"
    link = confirm_link(outbox)
    page = client.get(link)  # a mail scanner's GET creates nothing
    assert page.status_code == 200 and "erika@example.com" in page.get_data(True)
    response = client.post(link)
    assert response.headers["Location"] == "/inbox"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "erika@example.com"))
        assert user.password_hash.startswith("$argon2id$")
        (membership,) = user.memberships
        assert membership.role == "owner"
        assert membership.workspace.name == "Muster GmbH"
    page = client.get("/inbox").get_data(as_text=True)
    assert "Muster GmbH" in page
    # The link works once.
    assert client.post("/logout").status_code == 302
    assert client.post(link).headers["Location"] == "/register"
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_register_normalises_email_and_defaults_workspace_name(client, app, outbox):
    register(client, email="  Erika@Example.COM ", workspace_name="")
    client.post(confirm_link(outbox))
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "erika@example.com"
        assert user.memberships[0].workspace.name == "Team von Erika Mustermann"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "kurz"}, "mindestens 10 Zeichen"),
        ({"password": "passwort123"}, "zu leicht zu erraten"),
        ({"password": "erikamustermann"}, "zu leicht zu erraten"),
        ({"email": "keine-adresse"}, "gültige E-Mail-Adresse"),
        ({"name": ""}, "Bitte geben Sie Ihren Namen an."),
    ],
)
def test_register_rejects_bad_input_with_clear_error(client, app, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_register_with_taken_email_keeps_existing_account(client, app, outbox):
    with app.app_context():
        make_user("erika@example.com")
    response = register(client)
    assert response.headers["Location"] == "/register/sent"  # as for a new address
    assert "/register/confirm/" not in outbox[-1].get_content()
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_login_and_logout(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    assert client.get("/inbox").status_code == 302
    response = auth.login("erika@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 302


def test_login_redirects_only_to_local_next(client, app):
    with app.app_context():
        make_user("erika@example.com")
    data = {"email": "erika@example.com", "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/inbox"
    client.post("/logout")
    response = client.post("/login?next=/account", data=data)
    assert response.headers["Location"] == "/account"


def test_logout_by_get_only_asks(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    auth.login("erika@example.com")
    assert client.get("/logout").status_code == 200
    assert client.get("/inbox").status_code == 200


def test_remember_me_sets_persistent_login_cookie(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    response = auth.login("erika@example.com", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    response = auth.login("erika@example.com")  # already signed in: no new cookie
    assert not any(
        c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie")
    )


def test_wrong_password_and_unknown_account_get_the_same_answer(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    wrong = auth.login("erika@example.com", "falsches Passwort 123")
    unknown = auth.login("niemand@example.com", "falsches Passwort 123")
    assert wrong.status_code == unknown.status_code == 422
    message = "E-Mail-Adresse oder Passwort ist nicht korrekt."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_access_log_records_login_attempts_with_ip(client, auth, app):
    with app.app_context():
        user_id = make_user("erika@example.com").id
    auth.login("erika@example.com", "falsches Passwort 123")
    auth.login("niemand@example.com", "falsches Passwort 123")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    auth.login("erika@example.com")
    with app.app_context():
        rows = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
        assert [(r.event, r.user_id) for r in rows] == [
            ("login_failure", user_id),
            ("login_failure", None),
            ("login_success", user_id),
        ]
        assert rows[-1].ip_address == "203.0.113.7"
        assert all(r.created_at is not None for r in rows)


def test_authenticated_use_is_logged_at_most_every_15_minutes(client, auth, app):
    with app.app_context():
        user_id = make_user("erika@example.com").id
    auth.login("erika@example.com")
    for _ in range(3):
        client.get("/inbox")
    with app.app_context():
        events = db.session.scalars(
            select(AccessLog.event).where(AccessLog.user_id == user_id)
        ).all()
    assert events.count("use") == 0  # the login itself counts as this session's use
    with client.session_transaction() as session:
        session["use_logged_at"] -= 15 * 60 + 1
    client.get("/inbox")
    client.get("/account")
    with app.app_context():
        events = db.session.scalars(
            select(AccessLog.event).where(AccessLog.user_id == user_id)
        ).all()
    assert events.count("use") == 1


def main_content(response) -> str:
    return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)


def test_login_rate_limit_per_account_without_enumeration(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    for _ in range(5):
        assert auth.login("erika@example.com", "falsch falsch 1").status_code == 422
    blocked = auth.login("erika@example.com")  # even the right password waits now
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Zu viele Versuche" in text
    assert "Retry-After" in blocked.headers
    for _ in range(5):
        auth.login("niemand@example.com", "falsch falsch 1")
    unknown = auth.login("niemand@example.com", "falsch falsch 1")
    assert unknown.status_code == 429
    assert main_content(unknown) == main_content(blocked)
    # Another account from the same address is not locked by this one.
    assert auth.login("dritte@example.com", "falsch falsch 1").status_code == 422


def test_login_rate_limit_per_ip(client, auth, app):
    statuses = [
        auth.login(f"user{i}@example.com", "falsch falsch 1").status_code
        for i in range(21)
    ]
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert auth.login("user99@example.com", "falsch falsch 1").status_code == 422


def test_rate_limit_message_in_english(client, auth, app):
    for _ in range(5):
        auth.login("erika@example.com", "falsch falsch 1")
    response = client.post(
        "/login",
        data={"email": "erika@example.com", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def reset_link(outbox) -> str:
    body = outbox[-1].get_content()
    return re.search(r"http://localhost(/password-reset/\S+)", body).group(1)


def test_password_reset_flow_is_single_use(client, auth, app, outbox):
    with app.app_context():
        make_user("erika@example.com")
    response = client.post("/password-reset", data={"email": "erika@example.com"})
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0]["To"] == "erika@example.com"
    link = reset_link(outbox)
    assert client.get(link).status_code == 200
    new_password = "ganz neues sicheres Passwort"
    response = client.post(link, data={"password": new_password})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    auth.logout()
    assert auth.login("erika@example.com").status_code == 422
    assert auth.login("erika@example.com", new_password).status_code == 302
    auth.logout()
    # Used once: the same link is dead now.
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/password-reset"


def test_password_reset_link_expires(client, app, outbox):
    with app.app_context():
        make_user("erika@example.com")
    client.post("/password-reset", data={"email": "erika@example.com"})
    link = reset_link(outbox)
    app.config["PASSWORD_RESET_VALID_SECONDS"] = -1
    assert client.get(link).status_code == 302


def without_token(page: str) -> str:
    """The page with every copy of its CSRF token taken out."""
    token = CSRF_PATTERN.search(page).group(1)
    return page.replace(token, "")


def test_password_reset_does_not_reveal_accounts(client, app, outbox):
    with app.app_context():
        make_user("erika@example.com")
    known = client.post(
        "/password-reset", data={"email": "erika@example.com"}, follow_redirects=True
    )
    unknown = client.post(
        "/password-reset", data={"email": "nobody@example.com"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    # No mail server here: the answer says so, the same for both (test_page_fixes.py).
    assert "keine E-Mail zum Zurücksetzen verschickt" in unknown.get_data(as_text=True)
    # The pages' CSRF tokens carry the second they were signed in: not the answer.
    # A page holds its token in several places (hx-headers, the cookie banner).
    same = [without_token(r.get_data(as_text=True)) for r in (known, unknown)]
    assert same[0] == same[1]
    assert len(outbox) == 1


def test_password_reset_rejects_weak_password(client, app, outbox):
    with app.app_context():
        make_user("erika@example.com")
    client.post("/password-reset", data={"email": "erika@example.com"})
    response = client.post(reset_link(outbox), data={"password": "12345678901"})
    assert response.status_code == 422
    assert "zu leicht zu erraten" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_rejected(client, app):
    with app.app_context():
        make_user("erika@example.com")
    response = client.post(
        "/login", data={"email": "erika@example.com", "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert "Sicherheitsprüfung fehlgeschlagen" in response.get_data(as_text=True)
    response = client.post(
        "/kontakt", data={}, csrf=False, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AccessLog)) is None


def test_htmx_request_needs_the_csrf_header(client, auth, app):
    with app.app_context():
        make_user("erika@example.com")
    auth.login("erika@example.com")
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id))
    url = f"/settings/members/{membership_id}/role"
    response = client.post(
        url, data={"role": "agent"}, headers={"HX-Request": "true"}, csrf=False
    )
    assert response.status_code == 400
    token = client.csrf_token()
    response = client.post(
        url,
        data={"role": "owner"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
