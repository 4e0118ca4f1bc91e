"""App-wide guarantees: configuration, security headers, migrations, templates, i18n."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from leadgate import create_app
from leadgate.extensions import db
from leadgate.inbox.search import POSTGRES_ONLY_INDEXES

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtualenv running the tests


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_encryption_key(monkeypatch):
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEY"):
        create_app()


def test_development_generates_and_keeps_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr("leadgate.config.INSTANCE_DIR", tmp_path)
    first = create_app().config["SECRET_KEY"]
    assert len(first) >= 48 and (tmp_path / "secret_key").read_text() == first
    assert create_app().config["SECRET_KEY"] == first


def test_database_url_spellings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/leadgate")
    assert (
        create_app().config["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://u@db:5432/leadgate"
    )
    monkeypatch.delenv("DATABASE_URL")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_security_headers_everywhere(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_cookies_and_hsts(monkeypatch, database_url):
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ENCRYPTION_KEY", "8iJc1cC3n0Yl1k7yVqCwS8oYpQZb0m5Jm2f3t4u5v6w=")
    # TESTING: the embedded queue (production itself refuses to start without Redis).
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    client = app.test_client()
    assert client.get("http://localhost/").status_code == 302  # forced to https
    response = client.get("https://localhost/login")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert (
        "Secure" in session_cookie
        and "HttpOnly" in session_cookie
        and "SameSite=Lax" in session_cookie
    )
    assert (
        app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    )


def test_templates_have_no_inline_script_or_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", source):
            offenders.append(f"{path.name}: inline event handler")
        if re.search(r'\sstyle\s*=\s*"', source) or "<style" in source:
            offenders.append(f"{path.name}: inline style")
        # Links may point anywhere; nothing may be *loaded* from another origin.
        if re.search(r'src="(https?:)?//|<link[^>]+href="(https?:)?//', source):
            offenders.append(f"{path.name}: third-party resource")
    assert offenders == []


def test_user_supplied_text_is_escaped(client, auth, app, outbox):
    hostile = '<img src=x onerror="alert(1)">'
    client.post(
        "/register",
        data={
            "name": hostile,
            "email": "x@example.com",
            "password": "korrekt Pferd Batterie Heftklammer",
            "workspace_name": hostile,
        },
    )
    link = re.search(
        r"http://localhost(/register/confirm/\S+)", outbox[-1].get_content()
    )
    client.post(link.group(1))  # the sign-up is completed by the mailed link
    for url in ("/inbox", "/account", "/settings/members", "/settings/workspace"):
        body = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in body, url
        assert "&lt;img src=x onerror=" in body, url


def test_migrations_match_the_models(app):
    """A model change without its migration fails here (and the schema came from migrations)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # Search indexes exist on PostgreSQL only (see inbox/search.py).
                "include_name": lambda name, kind, parent: (
                    name not in POSTGRES_ONLY_INDEXES
                ),
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_english_by_browser_language_and_german_by_default(client):
    assert 'lang="de"' in client.get("/").get_data(as_text=True)
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="en"' in page and "Sign up free" in page
    page = client.get("/", headers={"Accept-Language": "fr, de;q=0.5"}).get_data(
        as_text=True
    )
    assert 'lang="de"' in page and "Kostenlos registrieren" in page


def test_translation_catalog_is_complete_and_compiled():
    po_path = ROOT / "leadgate/translations/en/LC_MESSAGES/messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    with po_path.with_suffix(".mo").open("rb") as mo_file:
        compiled = read_mo(mo_file)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    stale = [m.id for m in catalog if m.id and compiled.get(m.id) is None]
    assert stale == [], "run `make translations` to recompile the catalog"


def test_every_translatable_string_is_in_the_catalog(tmp_path):
    """Extract the strings again: any new one must be translated before it lands."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            BIN / "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as pot_file:
        extracted = {m.id for m in read_po(pot_file) if m.id}
    with (ROOT / "leadgate/translations/en/LC_MESSAGES/messages.po").open(
        "rb"
    ) as po_file:
        translated = {m.id for m in read_po(po_file) if m.id and m.string}
    assert sorted(map(str, extracted - translated)) == []


def test_console_script_is_the_flask_cli():
    result = subprocess.run(
        [BIN / "leadgate", "routes"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for endpoint in (
        "auth.login",
        "auth.register",
        "public.privacy",
        "cookies.save",
        "inbox.index",
    ):
        assert endpoint in result.stdout
