from http.cookies import SimpleCookie

from sqlalchemy import func, select

from leadgate.extensions import db
from leadgate.models import CookieConsent, PageView

from .support import make_user

ESSENTIAL = {"session", "remember_token", "lg_consent"}


def cookie_names(response) -> set[str]:
    names = set()
    for header in response.headers.getlist("Set-Cookie"):
        names |= set(SimpleCookie(header).keys())
    return names


def deleted_cookies(response) -> set[str]:
    return {
        name
        for header in response.headers.getlist("Set-Cookie")
        for name, morsel in SimpleCookie(header).items()
        if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0"
    }


def browse(client, app) -> set[str]:
    """Visit every kind of page a visitor can reach and collect the cookies set."""
    names = set()
    for url in [
        "/",
        "/datenschutz",
        "/impressum",
        "/kontakt",
        "/login",
        "/register",
        "/password-reset",
        "/cookies/settings",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        names |= cookie_names(response)
    names |= cookie_names(
        client.post(
            "/login",
            data={
                "email": "erika@example.com",
                "password": "korrekt Pferd Batterie Heftklammer",
                "remember": "y",
            },
        )
    )
    names |= cookie_names(client.get("/inbox"))
    names |= cookie_names(client.post("/sprache", data={"lang": "en", "next": "/"}))
    return names


def test_before_consent_only_necessary_cookies_and_no_statistics(client, app):
    with app.app_context():
        make_user("erika@example.com")
    names = browse(client, app)
    assert names <= ESSENTIAL - {"lg_consent"}
    assert "lg_lang" not in names and "lg_visitor" not in names
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PageView)) == 0


def test_banner_shown_until_a_choice_is_made(client):
    page = client.get("/").get_data(as_text=True)
    assert (
        'id="cookie-banner"' in page
        and "Alle akzeptieren" in page
        and "Nur notwendige" in page
    )
    client.post("/cookies/consent", data={"action": "reject_all"})
    page = client.get("/").get_data(as_text=True)
    assert '<div id="cookie-banner" hidden></div>' in page


def test_accept_all_records_consent_and_enables_statistics(client, app):
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    response = client.post(
        "/cookies/consent",
        data={"action": "accept_all"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == '{"cookie-consent-saved": true}'
    assert cookie_names(response) - {"session"} == {"lg_consent"}
    with app.app_context():
        (entry,) = db.session.scalars(select(CookieConsent)).all()
        assert (entry.action, entry.preferences, entry.statistics) == (
            "grant",
            True,
            True,
        )
        assert entry.ip_prefix == "203.0.113.0/24"
        assert entry.policy_version == app.config["COOKIE_POLICY_VERSION"]

    first = client.get("/")
    assert "lg_visitor" in cookie_names(first)
    client.get("/datenschutz")
    client.get("/static/app.css").close()  # not a page view
    client.get(
        "/cookies/settings", headers={"HX-Request": "true"}
    )  # a fragment, not a page
    with app.app_context():
        views = db.session.scalars(select(PageView).order_by(PageView.id)).all()
        assert [v.endpoint for v in views] == ["public.index", "public.privacy"]
        assert len({v.visitor_hash for v in views}) == 1
        visitor_cookie = client.get_cookie("lg_visitor").value
        assert visitor_cookie not in views[0].visitor_hash  # pseudonymised


def test_preferences_gate_the_language_cookie(client):
    client.post("/cookies/consent", data={"action": "save", "statistics": "on"})
    response = client.post("/sprache", data={"lang": "en", "next": "/impressum"})
    assert response.headers["Location"] == "/impressum"
    assert "lg_lang" not in cookie_names(response)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # kept in the session

    client.post("/cookies/consent", data={"action": "save", "preferences": "on"})
    response = client.post("/sprache", data={"lang": "en", "next": "/"})
    assert "lg_lang" in cookie_names(response)


def test_revoking_deletes_non_essential_cookies_and_stops_counting(client, app):
    client.post("/cookies/consent", data={"action": "accept_all"})
    client.get("/")
    client.post("/sprache", data={"lang": "en", "next": "/"})
    assert client.get_cookie("lg_visitor") and client.get_cookie("lg_lang")
    response = client.post(
        "/cookies/consent", data={"action": "reject_all", "next": "/impressum"}
    )
    assert response.headers["Location"] == "/impressum"
    assert {"lg_visitor", "lg_lang"} <= deleted_cookies(response)
    assert (
        client.get_cookie("lg_visitor") is None and client.get_cookie("lg_lang") is None
    )
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(PageView))
    client.get("/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PageView)) == before
        actions = db.session.scalars(
            select(CookieConsent.action).order_by(CookieConsent.id)
        ).all()
        assert actions == ["grant", "revoke"]


def test_footer_reopens_banner_with_current_choice(client):
    client.post("/cookies/consent", data={"action": "save", "statistics": "on"})
    page = client.get("/").get_data(as_text=True)
    assert 'hx-get="/cookies/settings"' in page
    fragment = client.get("/cookies/settings", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "<html" not in fragment and 'id="cookie-banner"' in fragment
    assert 'name="statistics" checked' in fragment
    assert 'name="preferences" checked' not in fragment


def test_new_policy_version_asks_again(client, app):
    client.post("/cookies/consent", data={"action": "accept_all"})
    app.config["COOKIE_POLICY_VERSION"] = "2099-01-01"
    page = client.get("/").get_data(as_text=True)
    assert "Alle akzeptieren" in page
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(PageView))
    assert count == 0


def test_ipv6_is_truncated_to_48_bits(client, app):
    client.environ_base["REMOTE_ADDR"] = "2001:db8:abcd:12:1:2:3:4"
    client.post("/cookies/consent", data={"action": "reject_all"})
    with app.app_context():
        assert (
            db.session.scalar(select(CookieConsent.ip_prefix)) == "2001:db8:abcd::/48"
        )
