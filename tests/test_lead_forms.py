"""Lead forms: settings, the public embeddable form, and a lead's way into the inbox."""

import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from leadgate.extensions import db
from leadgate.leadforms import tokens
from leadgate.leadforms.capture import consent_sha256
from leadgate.models import (
    ConsentRecord,
    Contact,
    ContactField,
    Conversation,
    LeadForm,
    LeadSubmission,
    Message,
    Workspace,
)

from .inbox_support import AGENT, OWNER, Team, make_team
from .support import assert_cross_workspace_404, make_user, workspace_of

SLUG = "bewerbung"
CONSENT = "Ja, die Muster GmbH darf mir zu meiner Bewerbung per WhatsApp schreiben."
PRIVACY = "https://muster.example/datenschutz"
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]*)"')
CHECKED = re.compile(r'<input [^>]*checked [^>]*id="consent"')


@pytest.fixture
def team(app) -> Team:
    team = make_team(app)
    with app.app_context():
        workspace = db.session.get(Workspace, team.workspace_id)
        workspace.privacy_url, workspace.consent_text = PRIVACY, CONSENT
        db.session.commit()
    return team


def add_form(app, team: Team, slug: str = SLUG, **fields) -> int:
    with app.app_context():
        lead_form = LeadForm(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            slug=slug,
            name=fields.pop("name", "Bewerbung Vertrieb"),
            headline=fields.pop("headline", "Jetzt bewerben"),
            fields=fields.pop(
                "fields",
                [
                    {"key": "name", "required": True},
                    {"key": "email", "required": False},
                    {"key": "message", "required": False},
                ],
            ),
            **fields,
        )
        db.session.add(lead_form)
        db.session.commit()
        return lead_form.id


def token_for(app, slug: str = SLUG, age: float = 10, **kwargs) -> str:
    """A token as the form would have carried it, rendered `age` seconds ago."""
    with app.app_context():
        return tokens.issue(
            slug,
            kwargs.get("page_url", "https://muster.example/karriere"),
            consent_sha256(kwargs.get("consent", CONSENT)),
            issued_at=time.time() - age,
        )


def lead(app, **data) -> dict:
    values = {
        "token": token_for(app),
        "name": "Lea Lead",
        "phone": "0170 1234567",
        "email": "lea@example.com",
        "message": "Ich interessiere mich für die Stelle.\nAb sofort.",
        "consent": "y",
        "website": "",
    }
    values.update(data)
    return {key: value for key, value in values.items() if value is not None}


def submit(client, data: dict, slug: str = SLUG):
    # No CSRF token: inside a third-party iframe there is no session to carry one.
    return client.post(f"/f/{slug}", data=data, csrf=False)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def nothing_stored(app) -> bool:
    return all(
        count(app, model) == 0
        for model in (LeadSubmission, Contact, ConsentRecord, Conversation)
    )


# Settings


def settings_data(team: Team, **changes) -> dict:
    data = {
        "name": "Bewerbung Außendienst",
        "slug": "",
        "headline": "Jetzt bewerben",
        "channel_id": team.channel_id,
        "show_name": "required",
        "show_email": "optional",
        "show_message": "off",
        "success_text": "Danke! Wir schreiben Ihnen per WhatsApp.",
        "active": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_owner_creates_edits_and_deletes_a_lead_form(client, auth, app, team):
    auth.login(OWNER)
    assert client.get("/settings/lead-forms/new").status_code == 200
    created = client.post("/settings/lead-forms/new", data=settings_data(team))
    assert created.status_code == 303
    with app.app_context():
        lead_form = db.session.scalar(select(LeadForm))
        assert lead_form.slug == "bewerbung-aussendienst"  # made from the name
        assert lead_form.workspace_id == team.workspace_id and lead_form.active
        assert lead_form.fields == [
            {"key": "name", "required": True},
            {"key": "email", "required": False},
        ]
        form_id = lead_form.id
    page = client.get("/settings/lead-forms").get_data(as_text=True)
    assert "http://localhost/f/bewerbung-aussendienst" in page
    assert "&lt;iframe src=&#34;http://localhost/f/bewerbung-aussendienst&#34;" in page
    edit_url = f"/settings/lead-forms/{form_id}"
    assert 'value="bewerbung-aussendienst"' in client.get(edit_url).get_data(
        as_text=True
    )
    changed = settings_data(team, name="Karriere", slug="karriere", active=None)
    assert client.post(edit_url, data=changed).status_code == 303
    with app.app_context():
        lead_form = db.session.get(LeadForm, form_id)
        assert (lead_form.name, lead_form.slug, lead_form.active) == (
            "Karriere",
            "karriere",
            False,
        )
    assert client.post(f"{edit_url}/delete").status_code == 303
    assert count(app, LeadForm) == 0


def test_agents_may_not_manage_lead_forms(client, auth, app, team):
    form_id = add_form(app, team)
    auth.login(AGENT)
    for method, url in (
        ("GET", "/settings/lead-forms"),
        ("GET", "/settings/lead-forms/new"),
        ("POST", "/settings/lead-forms/new"),
        ("GET", f"/settings/lead-forms/{form_id}"),
        ("POST", f"/settings/lead-forms/{form_id}"),
        ("POST", f"/settings/lead-forms/{form_id}/delete"),
        ("GET", f"/settings/lead-forms/{form_id}/submissions"),
    ):
        assert client.open(url, method=method).status_code == 403, (method, url)
    assert count(app, LeadForm) == 1


@pytest.mark.parametrize(
    ("slug", "error"),
    [
        ("taken", "Diese Adresse ist schon vergeben."),
        ("Mit Leerzeichen", "Nur a–z, 0–9 und Bindestriche."),
        ("-rand-", "Nur a–z, 0–9 und Bindestriche."),
    ],
)
def test_slugs_are_unique_across_workspaces_and_well_formed(
    client, auth, app, team, slug, error
):
    with app.app_context():
        other = workspace_of(make_user("other@example.com", name="Otto Other"))
        other_team = Team(other.id, team.channel_id, 0, 0)
    add_form(app, other_team, slug="taken")  # another workspace holds it
    auth.login(OWNER)
    response = client.post(
        "/settings/lead-forms/new", data=settings_data(team, slug=slug)
    )
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert count(app, LeadForm) == 1


def test_generated_slugs_avoid_taken_ones(client, auth, app, team):
    add_form(app, team, slug="karriere")
    auth.login(OWNER)
    client.post("/settings/lead-forms/new", data=settings_data(team, name="Karriere"))
    with app.app_context():
        slugs = set(db.session.scalars(select(LeadForm.slug)))
    assert slugs == {"karriere", "karriere-2"}


def test_without_a_privacy_notice_no_form_can_be_active(client, auth, app, team):
    with app.app_context():
        db.session.get(Workspace, team.workspace_id).privacy_url = None
        db.session.commit()
    auth.login(OWNER)
    assert "kann kein Formular aktiviert werden" in client.get(
        "/settings/lead-forms"
    ).get_data(as_text=True)
    response = client.post("/settings/lead-forms/new", data=settings_data(team))
    assert response.status_code == 422
    assert "Ohne Link zu Ihren Datenschutzhinweisen" in response.get_data(as_text=True)
    inactive = settings_data(team, active=None)
    assert client.post("/settings/lead-forms/new", data=inactive).status_code == 303


def test_another_workspaces_number_cannot_be_chosen(client, auth, app, team):
    from leadgate.channels.services import create_channel

    with app.app_context():
        other = workspace_of(make_user("other@example.com", name="Otto Other"))
        foreign = create_channel(
            other,
            name="Fremd",
            phone_number_id="3900000001",
            waba_id="3900000002",
            access_token="token",
            app_secret="secret",
        )
        db.session.commit()
        foreign_id = foreign.id
    auth.login(OWNER)
    response = client.post(
        "/settings/lead-forms/new", data=settings_data(team, channel_id=foreign_id)
    )
    assert response.status_code == 422
    assert count(app, LeadForm) == 0


def test_every_lead_form_route_hides_other_workspaces_forms(client, auth, app, team):
    with app.app_context():
        other = workspace_of(make_user("other@example.com", name="Otto Other"))
        other_team = Team(other.id, team.channel_id, 0, 0)
    foreign_id = add_form(app, other_team, slug="fremd")
    auth.login(OWNER)
    assert_cross_workspace_404(
        client,
        [
            ("GET", f"/settings/lead-forms/{foreign_id}"),
            ("POST", f"/settings/lead-forms/{foreign_id}"),
            ("POST", f"/settings/lead-forms/{foreign_id}/delete"),
            ("GET", f"/settings/lead-forms/{foreign_id}/submissions"),
        ],
    )
    assert count(app, LeadForm) == 1


# The public form


def test_public_form_shows_its_fields_consent_text_and_privacy_link(client, app, team):
    add_form(app, team)
    response = client.get(
        "/f/bewerbung", headers={"Referer": "https://muster.example/"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Jetzt bewerben" in page
    assert 'name="name"' in page and 'name="email"' in page and 'name="message"' in page
    assert 'type="tel"' in page and 'autocomplete="tel"' in page
    assert CONSENT in page
    assert (
        f'href="{PRIVACY}" target="_blank" rel="noopener">Datenschutzhinweise' in page
    )
    assert re.search(r'aria-hidden="true">\s*<label for="website"', page)
    assert 'tabindex="-1"' in page and 'autocomplete="off"' in page
    assert "leadform.css" in page and "app.css" not in page and "<script" not in page
    assert TOKEN.search(page).group(1)
    assert (
        "Set-Cookie" not in response.headers
    )  # nothing stored in the visitor's browser
    assert response.headers["Cache-Control"] == "no-store"


def test_only_the_public_form_may_be_framed(client, app, team):
    add_form(app, team)
    for url in ("/f/bewerbung", "/f/bewerbung/danke"):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Frame-Options" not in response.headers
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    login = client.get("/login")
    assert login.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]


@pytest.mark.parametrize("change", ["inactive", "no privacy notice", "unknown"])
def test_unpublished_forms_answer_404(client, app, team, change):
    add_form(app, team, active=change != "inactive")
    if change == "no privacy notice":
        with app.app_context():
            db.session.get(Workspace, team.workspace_id).privacy_url = None
            db.session.commit()
    slug = "gibt-es-nicht" if change == "unknown" else SLUG
    for response in (
        client.get(f"/f/{slug}"),
        submit(client, lead(app), slug=slug),
        client.get(f"/f/{slug}/danke"),
    ):
        assert response.status_code == 404
        assert "Formular nicht verfügbar" in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_a_lead_arrives_in_the_inbox_with_its_consent_proof(
    client, auth, app, team, monkeypatch
):
    form_id = add_form(app, team, success_text="Danke, Lea-Team!")
    monkeypatch.setattr(tokens, "MIN_SECONDS", 0)  # no waiting in this test
    page = client.get(
        "/f/bewerbung",
        headers={"Referer": "https://muster.example/karriere?utm_source=x#top"},
    ).get_data(as_text=True)
    response = submit(client, lead(app, token=TOKEN.search(page).group(1)))
    assert response.status_code == 303
    assert response.headers["Location"] == "/f/bewerbung/danke"
    assert "Danke, Lea-Team!" in client.get("/f/bewerbung/danke").get_data(as_text=True)
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert (contact.phone_e164, contact.wa_id) == ("+491701234567", "491701234567")
        assert (contact.name, contact.email) == ("Lea Lead", "lea@example.com")
        assert contact.marketing_consent == "opt_in"
        submission = db.session.scalar(select(LeadSubmission))
        assert (submission.form_id, submission.contact_id) == (form_id, contact.id)
        assert submission.consent_given and submission.consent_text == CONSENT
        # Only scheme, host and path of the embedding page: no query, no fragment.
        assert submission.page_url == "https://muster.example/karriere"
        assert submission.data["phone"] == "0170 1234567"
        assert submission.data["name"] == "Lea Lead"
        records = db.session.scalars(
            select(ConsentRecord).order_by(ConsentRecord.purpose)
        ).all()
        assert [(r.purpose, r.action, r.source) for r in records] == [
            ("whatsapp_marketing", "opt_in", "lead_form"),
            ("whatsapp_service", "opt_in", "lead_form"),
        ]
        for record in records:
            assert record.wording == CONSENT
            assert record.evidence == {
                "submission_id": submission.id,
                "form_id": form_id,
                "form_slug": SLUG,
                "page_url": "https://muster.example/karriere",
                "consent_text_sha256": consent_sha256(CONSENT),
            }
        conversation = db.session.scalar(select(Conversation))
        assert conversation.lead_submission_id == submission.id
        assert (conversation.channel_id, conversation.state) == (
            team.channel_id,
            "open",
        )
        event = db.session.scalar(select(Message))
        assert event.direction == "event"
        assert event.details["kind"] == "lead" and event.details["consent"] is True
        conversation_id = conversation.id
    auth.login(AGENT)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Lea Lead" in inbox and "Neuer Lead" in inbox
    assert "über „Bewerbung Vertrieb“" in inbox
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "über das Formular „Bewerbung Vertrieb“" in thread
    assert "+49\xa0170\xa01234567" in thread and "lea@example.com" in thread
    assert "Ich interessiere mich für die Stelle." in thread
    assert "<strong>erteilt</strong>" in thread
    assert f"/contacts/{contact.id}#consent-history" in thread
    assert "noch nie geschrieben" in thread  # a template starts the conversation


def test_a_second_lead_updates_the_contact_and_adds_proof(client, app, team):
    add_form(app, team)
    submit(client, lead(app, email=""))
    again = lead(
        app, name="Jemand Anderes", phone="+49 170 123 45 67", email="lea@example.com"
    )
    assert submit(client, again).status_code == 303
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        # Fills what was missing; the unverified form never overwrites a name.
        assert (contact.name, contact.email) == ("Lea Lead", "lea@example.com")
        submissions = db.session.scalars(
            select(LeadSubmission).order_by(LeadSubmission.id)
        ).all()
        assert len(submissions) == 2
        assert {s.contact_id for s in submissions} == {contact.id}
        evidence = db.session.scalars(
            select(ConsentRecord.evidence).order_by(ConsentRecord.id)
        ).all()
        assert [e["submission_id"] for e in evidence] == [
            submissions[0].id,
            submissions[0].id,
            submissions[1].id,
            submissions[1].id,
        ]
        conversation = db.session.scalar(select(Conversation))
        assert conversation.lead_submission_id == submissions[1].id
        conversation.state = "resolved"
        db.session.commit()
    assert count(app, Contact) == 1 and count(app, ConsentRecord) == 4
    assert count(app, Message) == 2  # one lead event per submission
    assert count(app, Conversation) == 1  # the open conversation was reused
    submit(client, lead(app))
    assert count(app, Conversation) == 2  # a resolved one is not reopened


def test_without_the_checkbox_no_whatsapp_opt_in_is_recorded(client, auth, app, team):
    add_form(app, team)
    assert submit(client, lead(app, consent=None)).status_code == 303
    assert count(app, ConsentRecord) == 0
    with app.app_context():
        submission = db.session.scalar(select(LeadSubmission))
        assert not submission.consent_given
        contact = db.session.scalar(select(Contact))
        assert contact.marketing_consent is None
        conversation = db.session.scalar(select(Conversation))
        assert conversation.lead_submission_id == submission.id
        conversation_id = conversation.id
    auth.login(AGENT)
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "nicht erteilt" in thread


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        ("", "Bitte eine Telefonnummer angeben."),
        ("Ruf mich an", "Das ist keine Telefonnummer."),
        ("12345", "Diese Telefonnummer gibt es nicht."),
    ],
)
def test_a_bad_number_is_refused_and_everything_typed_stays(
    client, app, team, phone, error
):
    add_form(app, team)
    response = submit(client, lead(app, phone=phone))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="lf-error" id="phone-error">{error}</p>' in page
    assert 'aria-describedby="phone-hint phone-error"' in page
    assert 'aria-invalid="true"' in page
    assert f'value="{phone}"' in page
    assert 'value="Lea Lead"' in page and 'value="lea@example.com"' in page
    assert "Ich interessiere mich für die Stelle." in page
    assert CHECKED.search(page)
    assert nothing_stored(app)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"email": "keine-adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse an."),
        ({"name": ""}, "Bitte geben Sie Ihren Namen an."),
    ],
)
def test_other_fields_are_validated_too(client, app, team, change, error):
    add_form(app, team)
    response = submit(client, lead(app, **change))
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_custom_fields_are_asked_and_kept_on_the_contact(client, auth, app, team):
    with app.app_context():
        for key, label, kind in (
            ("branche", "Branche", "text"),
            ("start", "Frühester Start", "date"),
        ):
            db.session.add(
                ContactField(
                    workspace_id=team.workspace_id, key=key, label=label, kind=kind
                )
            )
        db.session.commit()
    fields = [
        {"key": "name", "required": True},
        {"key": "branche", "required": True},
        {"key": "start", "required": False},
        {"key": "geloescht", "required": True},  # a field deleted since: skipped
    ]
    add_form(app, team, fields=fields)
    page = client.get("/f/bewerbung").get_data(as_text=True)
    assert "Branche" in page and 'type="date"' in page
    missing = submit(client, lead(app, custom_branche=""))
    assert "Bitte füllen Sie dieses Feld aus." in missing.get_data(as_text=True)
    bad_date = submit(client, lead(app, custom_branche="Handel", custom_start="bald"))
    assert "Bitte geben Sie ein Datum an." in bad_date.get_data(as_text=True)
    good = lead(app, custom_branche="Handel", custom_start="2026-03-01")
    assert submit(client, good).status_code == 303
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.attributes == {"branche": "Handel", "start": "2026-03-01"}
        assert contact.email is None  # the form does not ask for it
        conversation_id = db.session.scalar(select(Conversation.id))
    auth.login(AGENT)
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "<dt>Frühester Start</dt>" in thread and "2026-03-01" in thread


def bad_tokens(app) -> dict:
    return {
        "missing": None,
        "forged": token_for(app)[:-2] + "xx",
        "another form": token_for(app, slug="andere"),
        "expired": token_for(app, age=tokens.MAX_AGE + 60),
        "too fast": token_for(app, age=0),
    }


@pytest.mark.parametrize(
    "problem", ["missing", "forged", "another form", "expired", "too fast"]
)
def test_submissions_without_a_valid_token_store_nothing(client, app, team, problem):
    add_form(app, team)
    response = submit(client, lead(app, token=bad_tokens(app)[problem]))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="lf-alert" role="alert"' in page
    assert 'value="Lea Lead"' in page  # shown again, ready to send once more
    assert TOKEN.search(page).group(1)
    assert nothing_stored(app)


def test_a_changed_consent_text_must_be_agreed_to_again(client, app, team):
    add_form(app, team)
    shown_before = token_for(app, consent="Der alte Text.")
    response = submit(client, lead(app, token=shown_before))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Der Text der Einwilligung wurde inzwischen geändert." in page
    assert not CHECKED.search(page)
    assert nothing_stored(app)
    fresh = TOKEN.search(page).group(1)
    assert submit(client, lead(app, token=fresh)).status_code == 303
    assert count(app, ConsentRecord) == 2


def test_the_honeypot_gets_a_success_and_stores_nothing(client, app, team):
    add_form(app, team)
    response = submit(client, lead(app, website="https://spam.example"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/f/bewerbung/danke"
    assert nothing_stored(app)


def test_submissions_are_rate_limited_per_address(client, app, team):
    add_form(app, team)
    statuses = [submit(client, lead(app, website="bot")).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    blocked = submit(client, lead(app))
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)
    assert "X-Frame-Options" not in blocked.headers  # still fits into the iframe
    assert client.get("/f/bewerbung").status_code == 200  # reading is not limited
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert submit(client, lead(app)).status_code == 303


def test_an_objection_stays_when_the_contact_opts_in_again(client, auth, app, team):
    add_form(app, team)
    objected = datetime(2025, 1, 2, tzinfo=UTC)
    with app.app_context():
        db.session.add(
            Contact(
                workspace_id=team.workspace_id,
                wa_id="491701234567",
                phone_e164="+491701234567",
                opted_out_at=objected,
            )
        )
        db.session.commit()
    assert submit(client, lead(app)).status_code == 303
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.opted_out_at is not None  # lifting it is an agent's decision
        assert db.session.scalar(select(Message)).details["objection_kept"] is True
        conversation_id = db.session.scalar(select(Conversation.id))
    assert count(app, ConsentRecord) == 2
    auth.login(AGENT)
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Der Kontakt hatte früher widersprochen." in thread


def test_the_submissions_page_lists_leads_with_their_consent(client, auth, app, team):
    form_id = add_form(app, team)
    submit(client, lead(app))
    submit(client, lead(app, phone="0171 7654321", name="Nein Danke", consent=None))
    auth.login(OWNER)
    page = client.get(f"/settings/lead-forms/{form_id}/submissions").get_data(
        as_text=True
    )
    assert "Lea Lead" in page and "Nein Danke" in page
    consent = '<td data-label="WhatsApp-Einwilligung">'
    assert page.count(f"{consent}Ja</td>") == 1
    assert page.count(f"{consent}Nein</td>") == 1


def test_a_lead_opens_a_conversation_in_the_team_of_the_forms_number(client, app, team):
    from leadgate.models import Channel
    from leadgate.models import Team as WorkTeam

    add_form(app, team)
    with app.app_context():
        recruiting = WorkTeam(workspace_id=team.workspace_id, name="Recruiting")
        db.session.add(recruiting)
        db.session.flush()
        db.session.get(Channel, team.channel_id).team_id = recruiting.id
        db.session.commit()
        recruiting_id = recruiting.id
    assert submit(client, lead(app)).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Conversation.team_id)).all() == [recruiting_id]
