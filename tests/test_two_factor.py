"""Two-factor login: TOTP setup, the code step, recovery codes, devices, workspace rule."""

import html
import re
import time

import pyotp
import pytest
from sqlalchemy import select, update

from leadgate import crypto
from leadgate.auth import two_factor
from leadgate.auth.services import create_workspace
from leadgate.extensions import db
from leadgate.models import (
    AccessLog,
    AuditEvent,
    LoginSession,
    RecoveryCode,
    RememberedDevice,
    Role,
    User,
    Workspace,
)

from .support import PASSWORD, make_user, workspace_of

EMAIL = "erika@example.com"


def login(client, email=EMAIL, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def secret_on(page: str) -> str:
    text = re.search(r'<code class="secret" id="totp-secret">([^<]+)</code>', page)
    return text.group(1).replace(" ", "")


def codes_on(page: str) -> list[str]:
    listing = re.search(r'<ol class="recovery-codes"[^>]*>(.*?)</ol>', page, re.S)
    return re.findall(r"<code>([a-z0-9-]+)</code>", listing.group(1))


def forget_last_step(app, email=EMAIL) -> None:
    """As if the code's 30 seconds had passed: the next code may be today's again."""
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == email).values(totp_last_step=None)
        )
        db.session.commit()


def now_code(app, secret, email=EMAIL) -> str:
    forget_last_step(app, email)
    return pyotp.TOTP(secret).now()


def set_up(client, app, email=EMAIL) -> tuple[str, list[str]]:
    """Turn on two-factor login for the signed-in user; the secret and the codes."""
    secret = secret_on(client.get("/account/two-factor/setup").get_data(as_text=True))
    response = client.post(
        "/account/two-factor/setup",
        data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD},
    )
    assert response.status_code == 200
    return secret, codes_on(response.get_data(as_text=True))


def events(app, email=EMAIL) -> list[str]:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        return db.session.scalars(
            select(AccessLog.event)
            .where(AccessLog.user_id == user_id)
            .order_by(AccessLog.id)
        ).all()


def user(app, email=EMAIL) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def erika(app, client):
    with app.app_context():
        make_user(EMAIL)
    login(client)
    return client


@pytest.fixture
def protected(app, erika):
    """Erika with two-factor login on, logged out again: (client, secret, codes)."""
    secret, codes = set_up(erika, app)
    erika.post("/logout")
    return erika, secret, codes


def test_setup_shows_a_qr_code_and_the_secret_and_waits_for_a_code(app, erika):
    response = erika.get("/account/two-factor/setup")
    page = response.get_data(as_text=True)
    secret = secret_on(page)
    uri = pyotp.TOTP(secret).provisioning_uri(name=EMAIL, issuer_name="LeadGate")
    image = re.search(r'<img class="qr-code" src="([^"]+)"', page).group(1)
    assert html.unescape(image) == two_factor.qr_code(uri)
    assert image.startswith("data:image/svg+xml")
    # The QR code is an image from a data: URL, which the CSP allows; no inline style.
    policy = response.headers["Content-Security-Policy"]
    assert re.search(r"img-src 'self' data:", policy)
    assert "style=" not in page
    stored = user(app)
    assert stored.totp_secret != secret and secret not in stored.totp_secret
    with app.app_context():
        assert crypto.decrypt(stored.totp_secret) == secret
    assert stored.two_factor_enabled_at is None
    again = erika.get("/account/two-factor/setup").get_data(as_text=True)
    assert secret_on(again) == secret  # a reload keeps the secret the app scanned


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "000000", "Dieser Code stimmt nicht"),
        ("code", "", "Bitte geben Sie den Code ein."),
        ("current_password", "falsch", "Das Passwort ist nicht korrekt."),
    ],
)
def test_setup_needs_a_right_code_and_the_password(app, erika, field, value, message):
    secret = secret_on(erika.get("/account/two-factor/setup").get_data(as_text=True))
    data = {"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD}
    data[field] = value
    response = erika.post("/account/two-factor/setup", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user(app).two_factor_enabled_at is None


def test_setup_turns_it_on_and_shows_ten_recovery_codes_once(app, erika):
    secret = secret_on(erika.get("/account/two-factor/setup").get_data(as_text=True))
    response = erika.post(
        "/account/two-factor/setup",
        data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = codes_on(response.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"([a-z0-9]{4}-){3}[a-z0-9]{4}", c) for c in codes)
    assert user(app).two_factor_enabled_at is not None
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    page = erika.get("/account").get_data(as_text=True)
    assert "Noch 10 unbenutzte Wiederherstellungscodes." in page
    assert not any(code in page for code in codes)
    assert erika.get("/account/two-factor/setup").status_code == 302
    assert events(app)[-1] == "two_factor_enabled"


def test_without_two_factor_login_is_one_step_as_before(app, client):
    with app.app_context():
        make_user(EMAIL)
    response = login(client)
    assert response.headers["Location"] == "/inbox"
    assert client.get("/login/code").headers["Location"] == "/inbox"


def test_login_asks_for_the_code_and_signs_in_only_after_it(app, protected):
    client, secret, _ = protected
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)  # half way is not signed in
    with app.app_context():
        assert (
            db.session.scalar(
                select(LoginSession).where(LoginSession.ended_at.is_(None))
            )
            is None
        )
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page

    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 422
    assert "Dieser Code stimmt nicht" in wrong.get_data(as_text=True)
    assert not signed_in(client)

    right = client.post("/login/code", data={"code": now_code(app, secret)})
    assert right.status_code == 302 and right.headers["Location"] == "/inbox"
    assert signed_in(client)
    assert events(app)[-5:] == [
        "logout",
        "login_code_requested",
        "two_factor_failed",
        "two_factor_ok",
        "login_success",
    ]


def test_the_code_step_keeps_the_next_page_and_the_remember_choice(app, protected):
    client, secret, _ = protected
    client.post(
        "/login?next=/contacts",
        data={"email": EMAIL, "password": PASSWORD, "remember": "y"},
    )
    response = client.post("/login/code", data={"code": now_code(app, secret)})
    assert response.headers["Location"] == "/contacts"
    assert any(
        c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie")
    )


def test_a_code_works_only_once(app, protected):
    client, secret, _ = protected
    code = now_code(app, secret)
    login(client)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    login(client)
    replayed = client.post("/login/code", data={"code": code})
    assert replayed.status_code == 422
    assert not signed_in(client)
    later = pyotp.TOTP(secret).at(time.time() + 30)  # the next 30 seconds' code
    assert client.post("/login/code", data={"code": later}).status_code == 302


def test_each_recovery_code_signs_in_once(app, protected):
    client, _, codes = protected
    login(client)
    typed = codes[0].upper().replace("-", " ")  # as read aloud from paper
    response = client.post("/login/code", data={"code": typed})
    assert response.headers["Location"] == "/inbox"
    assert events(app)[-2:] == ["recovery_code_used", "login_success"]
    client.post("/logout")
    login(client)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 422
    assert client.post("/login/code", data={"code": codes[1]}).status_code == 302
    assert "Noch 8 unbenutzte" in client.get("/account").get_data(as_text=True)


def test_the_code_step_expires_and_needs_the_password_first(app, protected):
    client, secret, _ = protected
    response = client.post("/login/code", data={"code": now_code(app, secret)})
    assert response.headers["Location"] == "/login"
    login(client)
    with client.session_transaction() as session:
        session["login_pending"] = {**session["login_pending"], "since": 0}
    response = client.post("/login/code", data={"code": now_code(app, secret)})
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_a_password_change_between_the_steps_voids_the_first(app, protected):
    client, secret, _ = protected
    login(client)
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.email == EMAIL))
        stored.password_hash = "changed"
        db.session.commit()
    response = client.post("/login/code", data={"code": now_code(app, secret)})
    assert response.headers["Location"] == "/login"


def test_failed_codes_are_limited_per_account(app, protected):
    client, secret, _ = protected
    login(client)
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    blocked = client.post("/login/code", data={"code": now_code(app, secret)})
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)
    # Another browser (another address) of the same account waits too.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    login(other)
    assert (
        other.post("/login/code", data={"code": now_code(app, secret)}).status_code
        == 429
    )
    # Another account is not locked by this one.
    with app.app_context():
        make_user("bea@example.com", name="Bea")
    third = app.test_client()
    login(third, email="bea@example.com")
    assert signed_in(third)


def test_a_remembered_device_skips_the_code_for_that_account_only(app, protected):
    client, secret, _ = protected
    login(client)
    response = client.post(
        "/login/code", data={"code": now_code(app, secret), "remember_device": "y"}
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("lg_device=")
    )
    assert (
        "HttpOnly" in cookie and "Path=/login" in cookie and "Max-Age=2592000" in cookie
    )
    client.post("/logout")
    assert login(client).headers["Location"] == "/inbox"
    assert events(app)[-2:] == ["login_device_recognised", "login_success"]
    page = client.get("/account").get_data(as_text=True)
    assert 'id="device-1"' in page
    client.post("/logout")

    # The cookie names Erika: it does not let Bea skip her code.
    with app.app_context():
        make_user("bea@example.com", name="Bea")
    bea = app.test_client()
    bea.set_cookie(
        "lg_device", client.get_cookie("lg_device", path="/login").value, path="/login"
    )
    login(bea, email="bea@example.com")
    set_up(bea, app, email="bea@example.com")
    bea.post("/logout")
    assert login(bea, email="bea@example.com").headers["Location"] == "/login/code"

    # A forged cookie counts for nothing.
    forged = app.test_client()
    forged.set_cookie("lg_device", "eyJ1IjoxLCJ0IjoieCJ9.forged", path="/login")
    assert login(forged).headers["Location"] == "/login/code"


@pytest.mark.parametrize("how", ["forget", "password", "disable"])
def test_a_remembered_device_is_revoked(app, protected, how):
    client, secret, codes = protected
    login(client)
    client.post(
        "/login/code", data={"code": now_code(app, secret), "remember_device": "y"}
    )
    if how == "forget":
        response = client.post("/account/devices/1/forget")
        assert response.headers["Location"] == "/account#two-factor"
        assert events(app)[-1] == "device_forgotten"
    elif how == "password":
        new = "ein ganz anderes Passwort"
        client.post(
            "/account/password", data={"current_password": PASSWORD, "password": new}
        )
    else:
        client.post(
            "/account/two-factor/disable",
            data={"disable-current_password": PASSWORD, "disable-code": codes[0]},
        )
    with app.app_context():
        assert db.session.get(RememberedDevice, 1).revoked_at is not None
    assert client.post("/account/devices/1/forget").status_code == 404


def test_another_users_device_is_a_404(app, protected):
    client, secret, _ = protected
    login(client)
    client.post(
        "/login/code", data={"code": now_code(app, secret), "remember_device": "y"}
    )
    with app.app_context():
        make_user("mallory@example.com", name="Mallory")
    mallory = app.test_client()
    login(mallory, email="mallory@example.com")
    assert mallory.post("/account/devices/1/forget").status_code == 404
    with app.app_context():
        assert db.session.get(RememberedDevice, 1).revoked_at is None


def test_turning_it_off_needs_the_password_and_a_code(app, protected):
    client, secret, _ = protected
    login(client)
    client.post("/login/code", data={"code": now_code(app, secret)})
    wrong = client.post(
        "/account/two-factor/disable",
        data={"disable-current_password": PASSWORD, "disable-code": "000000"},
    )
    assert wrong.status_code == 422
    no_password = client.post(
        "/account/two-factor/disable",
        data={
            "disable-current_password": "falsch",
            "disable-code": now_code(app, secret),
        },
    )
    assert no_password.status_code == 422
    assert user(app).two_factor_enabled_at is not None

    response = client.post(
        "/account/two-factor/disable",
        data={
            "disable-current_password": PASSWORD,
            "disable-code": now_code(app, secret),
        },
    )
    assert response.headers["Location"] == "/account#two-factor"
    stored = user(app)
    assert stored.totp_secret is None and stored.two_factor_enabled_at is None
    with app.app_context():
        assert db.session.scalar(select(RecoveryCode)) is None
    assert events(app)[-1] == "two_factor_disabled"
    client.post("/logout")
    assert login(client).headers["Location"] == "/inbox"


def test_new_recovery_codes_replace_the_old_ones(app, protected):
    client, secret, old = protected
    login(client)
    client.post("/login/code", data={"code": now_code(app, secret)})
    refused = client.post(
        "/account/two-factor/recovery-codes", data={"codes-current_password": "x"}
    )
    assert refused.status_code == 422
    response = client.post(
        "/account/two-factor/recovery-codes", data={"codes-current_password": PASSWORD}
    )
    assert response.headers["Cache-Control"] == "no-store"
    new = codes_on(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert events(app)[-1] == "recovery_codes_renewed"
    client.post("/logout")
    login(client)
    assert client.post("/login/code", data={"code": old[2]}).status_code == 422
    assert client.post("/login/code", data={"code": new[2]}).status_code == 302


def test_a_password_reset_link_does_not_skip_the_code(app, protected, outbox):
    client, secret, _ = protected
    client.post("/password-reset", data={"email": EMAIL})
    link = re.search(r"http://localhost(/password-reset/\S+)", outbox[-1].get_content())
    response = client.post(link.group(1), data={"password": "ganz neues Passwort 7"})
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    assert (
        client.post("/login/code", data={"code": now_code(app, secret)}).status_code
        == 302
    )


def test_the_account_page_names_each_step_of_the_access_log(app, protected):
    client, secret, codes = protected
    login(client)
    client.post("/login/code", data={"code": "000000"})
    client.post("/login/code", data={"code": codes[0], "remember_device": "y"})
    page = client.get("/account").get_data(as_text=True)
    for label in (
        "Zwei-Faktor-Anmeldung eingeschaltet",
        "Passwort richtig, Code angefordert",
        "Falscher Code",
        "Wiederherstellungscode benutzt",
        "Gerät gemerkt",
    ):
        assert label in page, label


def test_deleting_the_account_removes_its_second_factor(app, protected):
    client, secret, _ = protected
    with app.app_context():
        workspace = workspace_of(db.session.scalar(select(User)))
        make_user("erbe@example.com", name="Erbe", workspace=workspace, role=Role.OWNER)
    login(client)
    client.post(
        "/login/code", data={"code": now_code(app, secret), "remember_device": "y"}
    )
    response = client.post("/account/delete", data={"current_password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        deleted = db.session.scalar(select(User).where(User.deleted_at.is_not(None)))
        assert deleted.totp_secret is None and deleted.two_factor_enabled_at is None
        assert db.session.scalar(select(RecoveryCode)) is None
        assert db.session.get(RememberedDevice, 1).revoked_at is not None
        assert (
            db.session.scalar(
                select(LoginSession).where(LoginSession.ended_at.is_(None))
            )
            is None
        )


# The workspace rule: owners require two-factor login of every member.


@pytest.fixture
def team(app, client):
    """Erika owns a workspace, Tom is an agent in it; Erika is signed in."""
    with app.app_context():
        owner = make_user(EMAIL)
        workspace = workspace_of(owner)
        make_user("tom@example.com", name="Tom", workspace=workspace, role=Role.AGENT)
        make_user("ada@example.com", name="Ada", workspace=workspace, role=Role.ADMIN)
        workspace_id = workspace.id
    login(client)
    return workspace_id


def require(client, value="on"):
    return client.post("/settings/workspace/two-factor", data={"required": value})


def test_only_owners_with_their_own_second_factor_can_require_it(app, client, team):
    response = require(client)
    assert response.headers["Location"] == "/account/two-factor/setup"
    with app.app_context():
        assert not db.session.get(Workspace, team).require_two_factor
    ada = app.test_client()
    login(ada, email="ada@example.com")
    assert ada.get("/settings/workspace/two-factor").status_code == 403
    assert require(ada).status_code == 403
    assert "two-factor-title" not in ada.get("/settings/workspace").get_data(
        as_text=True
    )


def test_requiring_it_asks_first_names_who_lacks_it_and_is_audited(app, client, team):
    set_up(client, app)
    assert 'id="two-factor"' in client.get("/settings/workspace").get_data(as_text=True)
    page = client.get("/settings/workspace/two-factor").get_data(as_text=True)
    assert "2 Mitglieder haben noch keine Zwei-Faktor-Anmeldung" in page
    assert "Tom" in page and "Ada" in page
    assert require(client, "maybe").status_code == 422
    response = require(client)
    assert response.headers["Location"] == "/settings/workspace#two-factor"
    require(client)  # again: no second record
    require(client, "off")
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.workspace_id == team)
        ).all()
    assert actions == ["workspace.two_factor_required", "workspace.two_factor_optional"]


def test_members_without_it_are_led_to_the_setup_before_using_the_workspace(
    app, client, team
):
    tom = app.test_client()
    login(tom, email="tom@example.com")
    assert tom.get("/inbox").status_code == 200
    set_up(client, app)
    require(client)

    # Tom's current session is led to the setup, for pages and htmx requests.
    assert tom.get("/inbox").headers["Location"] == "/account/two-factor/setup"
    assert tom.get("/contacts").headers["Location"] == "/account/two-factor/setup"
    htmx = tom.get("/inbox", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == "/account/two-factor/setup"
    page = tom.get("/account/two-factor/setup").get_data(as_text=True)
    assert "verlangt von allen Mitgliedern eine Zwei-Faktor-Anmeldung" in page
    assert tom.get("/account").status_code == 200  # his own account stays open
    assert tom.post("/logout").status_code == 302

    # At his next login the password leads him straight to the setup.
    response = tom.post(
        "/login",
        data={"email": "tom@example.com", "password": PASSWORD},
        follow_redirects=True,
    )
    assert response.request.path == "/account/two-factor/setup"
    set_up(tom, app, email="tom@example.com")
    assert tom.get("/inbox").status_code == 200


def test_another_workspace_without_the_rule_stays_usable(app, client, team):
    with app.app_context():
        tom = db.session.scalar(select(User).where(User.email == "tom@example.com"))
        own = create_workspace(tom, "Toms eigener Workspace")
        db.session.commit()
        own_id = own.id
    set_up(client, app)
    require(client)
    browser = app.test_client()
    login(browser, email="tom@example.com")
    assert browser.get("/inbox").headers["Location"] == "/account/two-factor/setup"
    response = browser.post("/workspaces/switch", data={"workspace_id": own_id})
    assert response.status_code == 302
    assert browser.get("/inbox").status_code == 200


def test_failed_setup_and_disable_codes_are_limited_per_account(app, erika):
    secret = secret_on(erika.get("/account/two-factor/setup").get_data(as_text=True))
    for _ in range(5):
        response = erika.post(
            "/account/two-factor/setup",
            data={"code": "000000", "current_password": PASSWORD},
        )
        assert response.status_code == 422
    blocked = erika.post(
        "/account/two-factor/setup",
        data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD},
    )
    assert blocked.status_code == 429
    assert user(app).two_factor_enabled_at is None
    assert events(app).count("two_factor_failed") == 5


def test_an_operator_can_turn_it_off_for_someone_who_lost_everything(
    app, protected, runner
):
    client, _, _ = protected
    result = runner.invoke(args=["two-factor-off", EMAIL])
    assert result.exit_code == 0, result.output
    assert "two-factor login turned off" in result.output
    assert user(app).two_factor_enabled_at is None
    assert events(app)[-1] == "two_factor_disabled"
    assert login(client).headers["Location"] == "/inbox"
    assert runner.invoke(args=["two-factor-off", EMAIL]).exit_code != 0
    assert runner.invoke(args=["two-factor-off", "nobody@example.com"]).exit_code != 0
