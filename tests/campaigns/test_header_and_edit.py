"""A media header uploaded once for the whole campaign; a scheduled campaign edited
before its start goes out as edited."""

import io
from datetime import timedelta

from sqlalchemy import select

from leadgate.campaigns.launch import sweep_campaigns
from leadgate.models import Campaign, Message, utcnow

from ..emulator_support import PNG, WABA_ID
from ..outbound.helpers import change, read, run, sent_at_emulator, sync
from ..outbound.test_templates import OFFER as IMAGE_OFFER
from .helpers import campaign, create, launch, people, template_id

TWO = [
    {"name": "Anna", "number": "+491701000001"},
    {"name": "Bernd", "number": "+491701000002"},
]


def test_the_header_file_is_uploaded_once_and_sent_with_every_message(
    client, app, emulator, channel_key
):
    emulator.admin("POST", "templates", json={**IMAGE_OFFER, "waba_id": WABA_ID})
    label = people(app, TWO)
    campaign_id = create(client, label, "angebot_nachfassen")  # walks the wizard
    sync(client)
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/template",
        data={
            "template": template_id("neues_angebot"),
            "src-BODY:1": "first_name",
            "src-BUTTON0:1": "text",
            "text-BUTTON0:1": "A-17",
            "src-BUTTON1:code": "text",
            "text-BUTTON1:code": "HERBST25",
            "header_file": (io.BytesIO(PNG), "angebot.png"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert launch(client, campaign_id).status_code == 303
    sent = sent_at_emulator(emulator)
    headers = [
        component["parameters"][0]["image"]["id"]
        for item in sent
        for component in item["body"]["template"]["components"]
        if component["type"] == "header"
    ]
    assert len(sent) == 2 and len(headers) == 2
    assert headers[0] and headers[0] == headers[1]  # one upload for everyone
    assert campaign(campaign_id).header_media_id == headers[0]
    stored = read(select(Message.media_id).where(Message.direction == "out"))
    assert stored == [headers[0], headers[0]]


def test_a_wrong_header_file_is_refused_with_the_reason(
    client, app, emulator, channel_key
):
    emulator.admin("POST", "templates", json={**IMAGE_OFFER, "waba_id": WABA_ID})
    label = people(app, TWO)
    campaign_id = create(client, label, "angebot_nachfassen")
    sync(client)
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/template",
        data={
            "template": template_id("neues_angebot"),
            "header_file": (io.BytesIO(b"%PDF-1.4\n"), "angebot.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "Kopfzeile" in answer.get_data(as_text=True)
    assert campaign(campaign_id).header_sha256 is None


def test_a_scheduled_campaign_edited_before_its_start_goes_out_as_edited(
    client, app, emulator, channel_key
):
    label = people(app, TWO)
    campaign_id = create(client, label, "termin_erinnerung")
    tomorrow = (utcnow() + timedelta(days=1)).astimezone()
    client.post(
        f"/campaigns/{campaign_id}/edit/schedule",
        data={"when": "later", "date": tomorrow.strftime("%Y-%m-%d"), "time": "09:30"},
    )
    launch(client, campaign_id)
    assert campaign(campaign_id).state == "scheduled"
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/template",
        data={
            "template": template_id("termin_erinnerung"),
            "lawful_basis": "legitimate_interest",
            "src-BODY:1": "first_name",
            "src-BODY:2": "text",
            "text-BODY:2": "Freitag, 10 Uhr",
        },
    )
    assert answer.status_code == 303
    assert campaign(campaign_id).state == "scheduled"  # still waiting for its time
    change(Campaign, scheduled_at=utcnow() - timedelta(minutes=1))
    assert run(sweep_campaigns)["started"] == 1
    texts = sorted(
        item["body"]["template"]["components"][0]["parameters"][1]["text"]
        for item in sent_at_emulator(emulator)
    )
    assert texts == ["Freitag, 10 Uhr", "Freitag, 10 Uhr"]
    assert campaign(campaign_id).lawful_basis == "legitimate_interest"
