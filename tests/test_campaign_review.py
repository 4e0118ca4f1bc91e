"""The campaign review: who a template would reach from a segment, who is left out and why."""

import re

import pytest
from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    MessageTemplate,
    Segment,
    Suppression,
    utcnow,
)
from leadgate.privacy.suppression import value_hash

from .inbox_support import AGENT, OWNER, make_team

REASON = re.compile(r"<li><span>([^<]+)</span> <strong>(\d+)</strong></li>")
REACH = re.compile(r"<strong>(\d+) Kontakte? erh\w+ diese Vorlage</strong>")


def add(team, name: str, number: str | None, **fields) -> Contact:
    contact = Contact(
        workspace_id=team.workspace_id,
        name=name,
        wa_id=number.removeprefix("+") if number else None,
        phone_e164=number,
        attributes={},
        **fields,
    )
    db.session.add(contact)
    db.session.flush()
    return contact


def template(team, category: str, status: str = "APPROVED", name: str = "") -> int:
    row = MessageTemplate(
        workspace_id=team.workspace_id,
        waba_id=team.waba_id,
        meta_template_id=f"9{len(name)}{category}",
        name=name or category.lower(),
        language="de",
        category=category,
        status=status,
        components={"components": [{"type": "BODY", "text": "Hallo"}]},
    )
    db.session.add(row)
    db.session.flush()
    return row.id


@pytest.fixture
def world(app, client, auth):
    """One contact for every reason to leave someone out, and two who are reached."""
    team = make_team(app)
    with app.app_context():
        team.waba_id = db.session.get(Channel, team.channel_id).waba_id
        opted_in = []
        for name, number in (("Anna", "+491701000001"), ("Bernd", "+491701000002")):
            opted_in.append(add(team, name, number))
        twin = add(team, "Anna Zwilling", None, bsuid="DE.zwilling")
        twin.phone_e164 = "+491701000001"  # Anna's number again
        opted_in.append(twin)
        no_consent = add(team, "Carla", "+491701000003")
        withdrawn = add(team, "Dora", "+491701000004")
        meta_stop = add(team, "Emil", "+491701000005", marketing_preference="stop")
        objected = add(team, "Frida", "+491701000006", opted_out_at=utcnow())
        restricted = add(team, "Gero", "+491701000007", restricted_at=utcnow())
        nameless = add(team, "Hanna", None)  # neither number nor BSUID
        username = add(team, "Ida", None, bsuid="DE.ida")  # a username, no number
        opted_in.append(username)
        erased_again = add(team, "Jan", "+491701000009")
        opted_in.append(erased_again)
        for contact in opted_in + [withdrawn, objected, restricted, nameless]:
            ledger.record(contact, ledger.MARKETING, "opt_in", "import", wording="Ja")
        ledger.record(withdrawn, ledger.MARKETING, "opt_out", "keyword", wording="STOP")
        ledger.record(meta_stop, ledger.MARKETING, "opt_in", "import", wording="Ja")
        db.session.add(
            Suppression(
                workspace_id=team.workspace_id,
                kind="phone",
                value_hash=value_hash(team.workspace_id, "phone", "+491701000009"),
            )
        )
        team.templates = {
            "marketing": template(team, "MARKETING"),
            "utility": template(team, "UTILITY"),
            "code": template(team, "AUTHENTICATION"),
            "paused": template(team, "MARKETING", status="PAUSED", name="pausiert"),
        }
        segment = Segment(workspace_id=team.workspace_id, name="Alle", filters={})
        db.session.add(segment)
        db.session.commit()
        team.segment = segment.id
        assert no_consent.marketing_consent is None
    auth.login(OWNER)
    return team


def reviewed(client, world, template: str):
    page = client.get(
        "/campaigns/review",
        query_string={
            "segment": world.segment,
            "channel": world.channel_id,
            "template": world.templates[template],
        },
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    reach = REACH.search(html)
    return (
        (int(reach.group(1)) if reach else None),
        dict((reason, int(n)) for reason, n in REASON.findall(html)),
        html,
    )


def test_a_marketing_template_reaches_only_proven_consent(client, world):
    reach, left_out, html = reviewed(client, world, "marketing")
    assert reach == 3  # Anna, Bernd, and Ida by her BSUID
    assert left_out == {
        "Verarbeitung eingeschränkt (Art. 18 DSGVO)": 1,
        "hat widersprochen": 1,
        "auf der Sperrliste (gelöscht nach Widerspruch)": 1,
        "keine WhatsApp-Nummer oder -Kennung bekannt": 1,
        "Marketing bei WhatsApp abbestellt": 1,
        "Marketing-Einwilligung widerrufen": 1,
        "keine Marketing-Einwilligung mit Nachweis": 1,
        "dieselbe Nummer ein zweites Mal": 1,
    }
    assert "(von 11 in der Zielgruppe)." in html


def test_a_service_template_needs_no_marketing_consent(client, world):
    reach, left_out, _ = reviewed(client, world, "utility")
    assert reach == 6  # Carla, Dora and Emil too: no marketing rule applies
    assert left_out == {
        "Verarbeitung eingeschränkt (Art. 18 DSGVO)": 1,
        "hat widersprochen": 1,
        "auf der Sperrliste (gelöscht nach Widerspruch)": 1,
        "keine WhatsApp-Nummer oder -Kennung bekannt": 1,
        "dieselbe Nummer ein zweites Mal": 1,
    }


def test_a_code_template_goes_to_phone_numbers_only(client, world):
    reach, left_out, _ = reviewed(client, world, "code")
    assert reach == 5
    # Ida and Anna's twin are known by BSUID only: no one-time code for them.
    assert left_out["Einmalcode-Vorlagen nur an Telefonnummern"] == 2
    assert "dieselbe Nummer ein zweites Mal" not in left_out


def test_a_paused_template_reaches_nobody_and_says_why(client, world):
    reach, left_out, html = reviewed(client, world, "paused")
    assert reach is None and left_out == {}
    assert "vorübergehend pausiert" in html


def test_the_review_counts_consent_as_it_is_now(client, app, world):
    with app.app_context():
        anna = db.session.scalar(select(Contact).where(Contact.name == "Anna"))
        ledger.record(anna, ledger.MARKETING, "opt_out", "keyword", wording="STOP")
        db.session.commit()
    reach, left_out, _ = reviewed(client, world, "marketing")
    # Bernd, Ida, and now Anna's twin: the number's first contact is left out.
    assert reach == 3
    assert left_out["Marketing-Einwilligung widerrufen"] == 2  # Dora and Anna
    assert "dieselbe Nummer ein zweites Mal" not in left_out


def test_agents_do_not_prepare_campaigns(client, auth, world):
    auth.logout()
    auth.login(AGENT)
    assert client.get("/campaigns/review").status_code == 403
