import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadgate.extensions import db
from leadgate.models import Inquiry

from .support import make_user

POLICY_SOURCE = (
    Path(__file__).resolve().parents[2] / "shared" / "datenschutzerklaerung.txt"
)


def page_text(response) -> str:
    """The visible text of a page, whitespace-normalised."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_landing_page_says_what_leadgate_does(client):
    response = client.get("/")
    text = page_text(response)
    assert response.status_code == 200
    assert (
        "WhatsApp" in text and "Kostenlos registrieren" in text and "Anmelden" in text
    )


@pytest.mark.skipif(
    not POLICY_SOURCE.exists(), reason="shared/ is not beside the checkout"
)
def test_privacy_policy_keeps_every_line_of_the_policy(client):
    text = page_text(client.get("/datenschutz"))
    missing = [
        line
        for line in POLICY_SOURCE.read_text(encoding="utf-8").splitlines()
        if line.strip() and " ".join(line.split()) not in text
    ]
    assert missing == []


def test_privacy_policy_has_structure_and_date(client):
    body = client.get("/datenschutz").get_data(as_text=True)
    assert "<h1>Datenschutzerklärung</h1>" in body
    assert "Stand: 31.12.2025" in body
    assert body.count("<h2") >= 17
    assert 'href="#einsatz-von-cookies"' in body and 'id="einsatz-von-cookies"' in body


def test_imprint_comes_from_configuration(client, app):
    app.config["IMPRINT_NAME"] = "Beispiel AG"
    app.config["IMPRINT_ADDRESS"] = "Hauptstraße 1\n10115 Berlin"
    app.config["IMPRINT_VAT_ID"] = "DE123456789"
    text = page_text(client.get("/impressum"))
    assert "Beispiel AG" in text and "Hauptstraße 1 10115 Berlin" in text
    assert "DE123456789" in text


VALID = {
    "name": "Max Muster",
    "email": "max@example.com",
    "message": "Ich interessiere mich für LeadGate.",
    "privacy": "y",
}


def inquiry_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Inquiry))


def test_contact_form_stores_inquiry(client, app):
    response = client.post("/kontakt", data=VALID, follow_redirects=True)
    assert "Vielen Dank" in response.get_data(as_text=True)
    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry))
        assert (inquiry.name, inquiry.email) == ("Max Muster", "max@example.com")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Bitte geben Sie Ihren Namen an."),
        ("email", "max@", "gültige E-Mail-Adresse"),
        ("message", "kurz", "10 bis 5000 Zeichen"),
        ("message", "x" * 5001, "10 bis 5000 Zeichen"),
        ("privacy", "", "Bitte bestätigen Sie den Datenschutzhinweis."),
    ],
)
def test_contact_form_errors_keep_the_input(client, app, field, value, message):
    data = {**VALID, field: value}
    if not value:
        del data[field]
    response = client.post("/kontakt", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert "Ich interessiere mich für LeadGate." in body or field == "message"
    assert inquiry_count(app) == 0


def test_contact_form_honeypot_drops_bots_silently(client, app):
    response = client.post(
        "/kontakt",
        data={**VALID, "website": "http://spam.example"},
        follow_redirects=True,
    )
    assert "Vielen Dank" in response.get_data(as_text=True)
    assert inquiry_count(app) == 0


def test_contact_form_is_rate_limited(client, app):
    for _ in range(5):
        assert client.post("/kontakt", data=VALID).status_code == 302
    assert client.post("/kontakt", data=VALID).status_code == 429
    assert inquiry_count(app) == 5


def test_message_text_is_escaped_for_admins(client, auth, app):
    with app.app_context():
        admin = make_user("root@example.com")
        admin.is_platform_admin = True
        db.session.commit()
    client.post(
        "/kontakt", data={**VALID, "message": "<script>alert(1)</script> hallo"}
    )
    auth.login("root@example.com")
    body = client.get("/admin/inquiries").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hallo" in body
    assert "<script>alert(1)" not in body


def test_inquiries_are_only_for_platform_admins(client, auth, app):
    client.post("/kontakt", data=VALID)
    with app.app_context():
        make_user("user@example.com")
    assert client.get("/admin/inquiries").status_code == 302
    auth.login("user@example.com")
    assert client.get("/admin/inquiries").status_code == 404
    assert client.get("/admin/statistics").status_code == 404
