"""Login sessions: one server-side record per login, ended by logout and from /account."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import AccessLog, LoginSession, User, utcnow
from leadgate.privacy.retention.platform import purge_platform

from .support import PASSWORD, make_user

FIREFOX = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def sign_in(app, email="erika@example.com", remember=False, agent=FIREFOX, ip=None):
    """A new browser (test client) signed in as email."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    if ip:
        client.environ_base["REMOTE_ADDR"] = ip
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def replay(app, source, *names):
    """A fresh browser holding copies of these cookies of another one."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, source.get_cookie(name).value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def user_id(app, email="erika@example.com") -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def events(app, email="erika@example.com") -> list[str]:
    with app.app_context():
        return db.session.scalars(
            select(AccessLog.event)
            .where(AccessLog.user_id == user_id(app, email))
            .order_by(AccessLog.id)
        ).all()


def records(app) -> list[LoginSession]:
    with app.app_context():
        rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id))
        return [(r.id, r.ended_at is not None, r.end_reason) for r in rows]


def sessions_section(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'<section[^>]*id="sessions".*?</section>', page, re.S).group(0)


@pytest.fixture
def erika(app):
    with app.app_context():
        return make_user("erika@example.com").id


@pytest.mark.parametrize(
    "copied",
    [("session",), ("remember_token",), ("session", "remember_token")],
    ids=["session-cookie", "remember-cookie", "both"],
)
def test_cookies_copied_before_logout_are_dead_after_it(app, erika, copied):
    browser = sign_in(app, remember=True)
    assert signed_in(replay(app, browser, *copied))  # a copy works while logged in
    thief = replay(app, browser, *copied)

    response = browser.post("/logout")

    assert response.status_code == 302
    assert any(
        c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie")
    )
    assert not signed_in(thief)
    assert records(app) == [(1, True, "logout")]
    assert events(app)[-1] == "logout"


def test_each_login_gets_its_own_record_and_logout_ends_only_its_own(app, erika):
    laptop = sign_in(app)
    phone = sign_in(app, agent=IPHONE)
    laptop.post("/logout")
    assert not signed_in(laptop)
    assert signed_in(phone)
    assert records(app) == [(1, True, "logout"), (2, False, None)]


def test_the_list_shows_each_open_session_with_device_network_and_this_one(app, erika):
    laptop = sign_in(app, ip="203.0.113.77")
    sign_in(app, agent=IPHONE, ip="2001:db8:1234:5678::1")
    ended = sign_in(app, agent="curl/8.0")
    ended.post("/logout")

    section = sessions_section(laptop)

    items = re.findall(
        r'<li class="member" id="session-(\d+)">(.*?)</li>', section, re.S
    )
    assert [number for number, _ in items] == ["2", "1"]  # most recent use first
    for number, item in items:  # each open login has its own "abmelden"
        assert f'action="/account/sessions/{number}/end"' in item
        assert ">abmelden<" in item
    phone, this = items[0][1], items[1][1]
    assert "Mobile Safari · iOS" in phone and "2001:db8:1234::/48" in phone
    assert "dieses Gerät" not in phone
    assert "Firefox · Windows" in this and "203.0.113.0/24" in this
    assert "dieses Gerät" in this
    assert "203.0.113.77" not in section and "5678" not in section
    assert "Überall sonst abmelden" in section


def test_ending_another_session_from_the_account_page_signs_that_browser_out(
    app, erika
):
    laptop = sign_in(app)
    phone = sign_in(app, agent=IPHONE)
    thief = replay(app, phone, "session")

    response = laptop.post("/account/sessions/2/end")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account#sessions"
    assert not signed_in(phone) and not signed_in(thief)
    assert signed_in(laptop)
    assert records(app) == [(1, False, None), (2, True, "ended")]
    assert events(app)[-1] == "session_ended"


def test_ending_this_session_from_the_list_is_a_logout(app, erika):
    laptop = sign_in(app, remember=True)
    thief = replay(app, laptop, "remember_token")
    response = laptop.post("/account/sessions/1/end")
    assert response.headers["Location"] == "/"
    assert not signed_in(laptop)
    assert not signed_in(thief)
    assert events(app)[-1] == "logout"


def test_another_users_or_an_ended_session_is_a_404(app, erika):
    with app.app_context():
        make_user("mallory@example.com", name="Mallory")
    victim = sign_in(app)
    mallory = sign_in(app, email="mallory@example.com")
    assert mallory.post("/account/sessions/1/end").status_code == 404
    assert signed_in(victim)
    mallory.post("/logout")
    assert victim.post("/account/sessions/2/end").status_code == 404
    assert records(app) == [(1, False, None), (2, True, "logout")]


def test_signing_out_everywhere_else_asks_first_and_keeps_this_session(app, erika):
    laptop = sign_in(app)
    phone = sign_in(app, agent=IPHONE)
    tablet = sign_in(app, remember=True)

    page = laptop.get("/account/sessions/end-others").get_data(as_text=True)
    assert "2 andere Anmeldungen werden sofort beendet" in page
    assert signed_in(phone) and signed_in(tablet)  # asking changed nothing

    response = laptop.post("/account/sessions/end-others", follow_redirects=True)

    assert "2 andere Sitzungen wurden abgemeldet." in response.get_data(as_text=True)
    assert not signed_in(phone)
    assert not signed_in(replay(app, tablet, "remember_token"))
    assert signed_in(laptop)
    assert events(app)[-1] == "other_sessions_ended"


def test_a_password_change_ends_every_other_session_with_its_cookies(app, erika):
    laptop = sign_in(app)
    phone = sign_in(app, agent=IPHONE, remember=True)
    response = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "ein ganz anderes Passwort"},
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(replay(app, phone, "remember_token"))
    assert records(app) == [(1, False, None), (2, True, "password")]


def test_a_password_reset_ends_every_session_and_opens_a_new_one(app, erika, outbox):
    laptop = sign_in(app)
    client = app.test_client()
    client.post("/password-reset", data={"email": "erika@example.com"})
    link = re.search(r"http://localhost(/password-reset/\S+)", outbox[-1].get_content())
    response = client.post(link.group(1), data={"password": "ganz neues Passwort 7"})
    assert response.headers["Location"] == "/inbox"
    assert signed_in(client)
    assert not signed_in(laptop)
    assert records(app) == [(1, True, "password"), (2, False, None)]


def test_last_seen_is_written_every_few_minutes_not_on_every_request(app, erika):
    laptop = sign_in(app)
    with app.app_context():
        first = db.session.get(LoginSession, 1).last_seen_at
    laptop.get("/account")
    laptop.get("/inbox")
    with app.app_context():
        assert db.session.get(LoginSession, 1).last_seen_at == first
        earlier = utcnow() - timedelta(minutes=6)
        db.session.execute(update(LoginSession).values(last_seen_at=earlier))
        db.session.commit()
    laptop.get("/inbox")
    with app.app_context():
        seen = db.session.get(LoginSession, 1).last_seen_at
        assert seen.replace(tzinfo=None) > earlier.replace(tzinfo=None)


def test_a_login_unused_for_thirty_days_is_over(app, erika):
    laptop = sign_in(app, remember=True)
    with app.app_context():
        db.session.execute(
            update(LoginSession).values(last_seen_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
    assert not signed_in(laptop)
    assert "Überall" not in sessions_section(sign_in(app))  # only the new one is open


def test_the_purge_removes_ended_sessions_after_their_retention(app, erika):
    now = utcnow()
    with app.app_context():
        rows = {
            "ended long ago": (now - timedelta(days=40), now - timedelta(days=31)),
            "ended lately": (now - timedelta(days=40), now - timedelta(days=5)),
            "idle for long": (now - timedelta(days=61), None),
            "open": (now - timedelta(days=1), None),
        }
        for number, (seen, ended) in enumerate(rows.values()):
            db.session.add(
                LoginSession(
                    user_id=erika,
                    token_hash=f"{number:064d}",
                    device="",
                    ip_prefix="192.0.2.0/24",
                    last_seen_at=seen,
                    ended_at=ended,
                )
            )
        db.session.commit()

        counts = purge_platform(now)

        assert counts["login_sessions"] == 2
        kept = db.session.scalars(select(LoginSession.token_hash).order_by("id"))
        assert [int(h) for h in kept] == [1, 3]


def test_a_cookie_from_before_sessions_existed_is_refused(app, erika):
    """The old cookie format 'id:per-user token' names no login session."""
    old = app.test_client()
    with old.session_transaction() as session:
        session["_user_id"] = f"{erika}:some-old-session-token"
    assert not signed_in(old)


@pytest.mark.parametrize(
    "url", ["/account/sessions/1/end", "/account/sessions/end-others"]
)
def test_ending_sessions_needs_the_csrf_token(app, erika, url):
    laptop = sign_in(app)
    sign_in(app, agent=IPHONE)
    assert laptop.post(url, csrf=False).status_code == 400
    assert records(app) == [(1, False, None), (2, False, None)]


def test_my_data_lists_my_logins_without_their_tokens(app, erika):
    sign_in(app, agent=IPHONE, ip="198.51.100.7").post("/logout")
    laptop = sign_in(app, ip="203.0.113.77")
    response = laptop.post("/account/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    text = archive.read("account.json").decode()
    document = json.loads(text)
    logins = document["logins"]
    assert [(x["device"], x["ip_prefix"], x["end_reason"]) for x in logins] == [
        ("Mobile Safari · iOS", "198.51.100.0/24", "logout"),
        ("Firefox · Windows", "203.0.113.0/24", None),
    ]
    assert document["two_factor"] == {"enabled_at": None, "remembered_devices": []}
    with app.app_context():
        hashes = db.session.scalars(select(LoginSession.token_hash)).all()
    assert not any(h in text for h in hashes)
    assert laptop.get_cookie("session").value not in text
