"""A campaign end to end through the emulator: review, launch, feed, send, proof."""

from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.models import ConsentRecord, Message, utcnow

from ..outbound.helpers import post_webhook, read, sent_at_emulator
from .helpers import campaign, create, launch, people, recipients, reviewed

ANNA, BERND, CARLA, DORA, EMIL = (
    "+491701000001",
    "+491701000002",
    "+491701000003",
    "+491701000004",
    "+491701000005",
)
FAIR = [
    {"name": "Anna Schmidt", "number": ANNA},
    {"name": None, "profile_name": None, "number": BERND},
    {"name": "Carla", "number": CARLA, "consent": None},
    {"name": "Dora", "number": DORA, "consent": "opt_out"},
    {"name": "Emil", "number": EMIL, "restricted_at": utcnow()},
]


def test_a_campaign_reaches_the_consented_and_proves_each_consent(
    client, app, emulator, channel_key
):
    label = people(app, FAIR)
    campaign_id = create(
        client,
        label,
        "angebot_nachfassen",
        **{"src-BODY:1": "first_name", "fallback-BODY:1": "zusammen"},
    )
    reached, reasons, page = reviewed(client, campaign_id)
    assert reached == 2
    assert reasons == {
        "Verarbeitung eingeschränkt (Art. 18 DSGVO)": 1,
        "Marketing-Einwilligung widerrufen": 1,
        "keine Marketing-Einwilligung mit Nachweis": 1,
    }
    assert "Hallo Anna, haben Sie noch Fragen" in page
    assert "Hallo zusammen, haben Sie noch Fragen" in page  # Bernd has no name

    assert launch(client, campaign_id).status_code == 303
    sent = sent_at_emulator(emulator)
    assert sorted(s["to"] for s in sent) == [ANNA.lstrip("+"), BERND.lstrip("+")]
    texts = sorted(
        s["body"]["template"]["components"][0]["parameters"][0]["text"] for s in sent
    )
    assert texts == ["Anna", "zusammen"]
    assert campaign(campaign_id).state == "finished"
    rows = recipients(campaign_id)
    queued = [r for r in rows if r.state == "queued"]
    assert len(queued) == 2 and all(r.lawful_basis == "consent" for r in queued)
    records = read(
        select(ConsentRecord).where(
            ConsentRecord.id.in_([r.consent_record_id for r in queued])
        )
    )
    assert {(r.action, r.purpose) for r in records} == {("opt_in", ledger.MARKETING)}
    assert {r.contact_id for r in records} == {r.contact_id for r in queued}
    assert sorted(r.reason for r in rows if r.state == "left_out") == [
        "marketing_opted_out",
        "no_marketing_consent",
        "restricted",
    ]
    messages = read(select(Message).where(Message.direction == "out"))
    assert {m.status for m in messages} == {"sent"}
    assert all(m.details["campaign_id"] == campaign_id for m in messages)


def test_metas_holds_and_limits_are_kept_apart_with_their_reasons(
    client, app, emulator, receiver, channel_key
):
    label = people(app, FAIR[:2] + [{"name": "Fritz", "number": "+491701000006"}])
    emulator.admin(
        "PATCH",
        "settings",
        json={
            "HELD_TEMPLATES": ["angebot_nachfassen"],
            "MARKETING_LIMITED_RECIPIENTS": ["491701000006"],
        },
    )
    campaign_id = create(
        client, label, "angebot_nachfassen", **{"src-BODY:1": "first_name"}
    )
    launch(client, campaign_id)
    # Meta took all three, pacing (holding) its template …
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-count="held">' in page and 'data-count="limited"' not in page
    held = client.get(f"/campaigns/{campaign_id}", query_string={"filter": "held"})
    assert "von Meta zurückgehalten (Qualitätsprüfung)" in held.get_data(as_text=True)
    # … and then reported as not delivered: its marketing limit (a status webhook);
    # the held ones move on with their statuses.
    emulator.wait_idle()
    for entry in list(receiver.received):
        post_webhook(client, channel_key, entry.body)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-count="limited">1<' in page and 'data-count="held"' not in page
    limited = client.get(
        f"/campaigns/{campaign_id}", query_string={"filter": "limited"}
    ).get_data(as_text=True)
    assert "Fritz" in limited and "Marketing-Limit" in limited
    assert "Anna" not in limited
