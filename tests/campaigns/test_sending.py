"""A campaign end to end through the emulator: review, launch, feed, send, proof."""

from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.models import ConsentRecord, Message, utcnow

from ..outbound.helpers import read, sent_at_emulator
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
