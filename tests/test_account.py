import re

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import AccessLog, User

from .support import PASSWORD, make_user


def login_as(client, auth, app, email="erika@example.com"):
    with app.app_context():
        user_id = make_user(email).id
    auth.login(email)
    return user_id


def test_account_requires_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_profile_change_is_rectification(client, auth, app):
    user_id = login_as(client, auth, app)
    response = client.post(
        "/account/profile", data={"name": "Erika Neu", "locale": "en"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.locale) == ("Erika Neu", "en")
    page = client.get("/account").get_data(as_text=True)
    assert 'lang="en"' in page


def test_profile_change_rejects_empty_name(client, auth, app):
    login_as(client, auth, app)
    response = client.post("/account/profile", data={"name": " ", "locale": "de"})
    assert response.status_code == 422
    assert "Bitte geben Sie Ihren Namen an." in response.get_data(as_text=True)


def test_email_change_needs_password_and_confirmation(client, auth, app, outbox):
    user_id = login_as(client, auth, app)
    response = client.post(
        "/account/email",
        data={"email": "neu@example.com", "current_password": "falsch"},
    )
    assert response.status_code == 422
    assert not outbox
    response = client.post(
        "/account/email",
        data={"email": "neu@example.com", "current_password": PASSWORD},
    )
    assert response.status_code == 302
    (mail,) = outbox
    assert mail["To"] == "neu@example.com"
    with app.app_context():
        assert db.session.get(User, user_id).email == "erika@example.com"
    link = re.search(
        r"http://localhost(/account/email/confirm/\S+)", mail.get_content()
    ).group(1)
    assert client.get(link).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).email == "neu@example.com"
    # A confirmation link works once.
    response = client.get(link, follow_redirects=True)
    assert "ungültig, abgelaufen oder wurde schon benutzt" in response.get_data(
        as_text=True
    )


def test_email_change_to_taken_address_reveals_nothing(client, auth, app, outbox):
    login_as(client, auth, app)
    with app.app_context():
        make_user("vergeben@example.com", name="Max")
    response = client.post(
        "/account/email",
        data={"email": "vergeben@example.com", "current_password": PASSWORD},
        follow_redirects=True,
    )
    assert "Bestätigungslink" in response.get_data(as_text=True)
    assert outbox == []


def test_password_change_signs_out_other_sessions(client, auth, app):
    login_as(client, auth, app)
    other = app.test_client()
    other.post("/login", data={"email": "erika@example.com", "password": PASSWORD})
    assert other.get("/inbox").status_code == 200
    new_password = "ein ganz anderes Passwort"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new_password},
    )
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 200  # this session stays signed in
    assert other.get("/inbox").status_code == 302  # the other one is signed out


def test_password_change_validates(client, auth, app):
    login_as(client, auth, app)
    response = client.post(
        "/account/password",
        data={"current_password": "falsch", "password": "ein ganz anderes Passwort"},
    )
    assert response.status_code == 422
    assert "Das Passwort ist nicht korrekt." in response.get_data(as_text=True)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "abc"}
    )
    assert response.status_code == 422


def test_activity_shows_own_access_log_only(client, auth, app):
    with app.app_context():
        make_user("andere@example.com", name="Andere")
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    auth.login("andere@example.com")
    auth.logout()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    login_as(client, auth, app)
    page = client.get("/account").get_data(as_text=True)
    assert "203.0.113.99" in page and "Anmeldung" in page
    assert "198.51.100.23" not in page
    with app.app_context():
        assert db.session.scalar(
            select(AccessLog).where(AccessLog.ip_address == "198.51.100.23")
        )
