"""Message templates: sync from the WABA, status, variables, media headers, buttons.

Jobs run inline (QUEUE_IS_ASYNC is off in tests); the emulator checks every send
against the template like Meta (132000 for missing or extra parameters).
"""

import io

from sqlalchemy import select

from leadgate.models import (
    Contact,
    MessageTemplate,
)
from leadgate.outbound.templates import sync_all_templates

from ..emulator_support import PNG, WABA_ID
from .helpers import (
    change,
    close_window,
    customer_writes,
    outbound,
    read,
    run,
    sent_at_emulator,
    sync,
    template_id,
)


def test_templates_are_synced_from_the_waba_and_listed_with_their_status(
    client, emulator, channel_key
):
    sync(client)
    names = read(select(MessageTemplate.name).order_by(MessageTemplate.name))
    assert {"hello_world", "termin_erinnerung", "angebot_nachfassen"} <= set(names)
    page = client.get("/settings/channels/templates").get_data(as_text=True)
    assert "termin_erinnerung" in page and "freigegeben" in page
    sync(client)  # again: updated, not duplicated
    assert len(read(select(MessageTemplate.id))) == len(names)


def test_a_template_deleted_at_meta_is_marked_and_no_longer_offered(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    path = f"{WABA_ID}/message_templates"
    deleted = emulator.graph("DELETE", path, params={"name": "termin_erinnerung"})
    assert deleted.json() == {"success": True}
    missing = emulator.graph("DELETE", path, params={"name": "termin_erinnerung"})
    assert missing.status_code == 400
    run(sync_all_templates)  # the hourly cron: one sync job per channel
    [status] = read(
        select(MessageTemplate.status).where(
            MessageTemplate.name == "termin_erinnerung"
        )
    )
    assert status == "DELETED"
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "angebot_nachfassen" in page and "termin_erinnerung" not in page
    listing = client.get("/settings/channels/templates").get_data(as_text=True)
    assert "gelöscht" in listing


def test_outside_the_window_an_approved_template_goes_out_with_its_values(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "termin_erinnerung" in page and "Vorlage senden" in page
    chosen = template_id("termin_erinnerung")
    fields = client.get(
        f"/inbox/{conversation_id}/template",
        query_string={"template_id": chosen, "var-BODY-1": "Erika"},
    ).get_data(as_text=True)
    assert 'name="var-BODY-2"' in fields
    assert "Hallo Erika, wir erinnern Sie an Ihren Termin am {{2}}." in fields
    client.post(
        f"/inbox/{conversation_id}/template",
        data={"template_id": chosen, "var-BODY-1": "Erika", "var-BODY-2": "Montag"},
    )
    message = outbound()
    assert (message.type, message.status) == ("template", "sent")
    assert message.text == "Hallo Erika, wir erinnern Sie an Ihren Termin am Montag."
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Erika"},
                {"type": "text", "text": "Montag"},
            ],
        }
    ]


def test_a_template_with_empty_placeholders_is_refused(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    client.post(
        f"/inbox/{conversation_id}/template",
        data={"template_id": template_id("termin_erinnerung"), "var-BODY-1": "Erika"},
    )
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_marketing_templates_respect_the_contacts_stop(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    change(Contact, marketing_preference="stop")
    client.post(
        f"/inbox/{conversation_id}/template",
        data={
            "template_id": template_id("angebot_nachfassen"),
            "var-BODY-1": "Erika",
        },
    )
    assert outbound() is None and sent_at_emulator(emulator) == []


OFFER = {
    "name": "neues_angebot",
    "language": "de",
    "category": "MARKETING",
    "components": [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Hallo {{1}}, hier ist Ihr Angebot."},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Angebot ansehen",
                    "url": "https://shop.example/angebot/{{1}}",
                },
                {"type": "COPY_CODE", "example": "RABATT10"},
            ],
        },
    ],
}


def send_offer(client, conversation_id: int, **files):
    return client.post(
        f"/inbox/{conversation_id}/template",
        data={
            "template_id": template_id("neues_angebot"),
            "var-BODY-1": "Erika",
            "var-BUTTON0-1": "A-17",
            "var-BUTTON1-code": "HERBST25",
            **files,
        },
        content_type="multipart/form-data",
    )


def test_a_template_with_an_image_header_and_buttons_goes_out_complete(
    client, emulator, channel_key
):
    emulator.admin("POST", "templates", json={**OFFER, "waba_id": WABA_ID})
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    fields = client.get(
        f"/inbox/{conversation_id}/template",
        query_string={"template_id": template_id("neues_angebot")},
    ).get_data(as_text=True)
    assert 'name="header_file"' in fields and 'accept="image/jpeg,image/png"' in fields
    assert "Ende des Links der Schaltfläche „Angebot ansehen“" in fields
    assert 'name="var-BUTTON1-code"' in fields
    send_offer(client, conversation_id, header_file=(io.BytesIO(PNG), "angebot.png"))
    message = outbound()
    assert (message.status, message.media_filename) == ("sent", "angebot.png")
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["template"]["components"] == [
        {
            "type": "header",
            "parameters": [{"type": "image", "image": {"id": message.media_id}}],
        },
        {"type": "body", "parameters": [{"type": "text", "text": "Erika"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "A-17"}],
        },
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": "1",
            "parameters": [{"type": "coupon_code", "coupon_code": "HERBST25"}],
        },
    ]
    uploaded = emulator.graph("GET", message.media_id).json()
    assert uploaded["mime_type"] == "image/png"  # our copy, uploaded at send time


def test_a_media_header_needs_a_file_of_its_kind(client, emulator, channel_key):
    emulator.admin("POST", "templates", json={**OFFER, "waba_id": WABA_ID})
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    send_offer(client, conversation_id)  # no file: refused
    assert outbound() is None
    pdf = (io.BytesIO(b"%PDF-1.4 Angebot"), "angebot.pdf")
    send_offer(client, conversation_id, header_file=pdf)
    assert outbound() is None and sent_at_emulator(emulator) == []
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "braucht eine Datei vom Typ Bild (JPEG oder PNG)" in page


def test_authentication_templates_are_not_offered_to_agents(
    client, emulator, channel_key
):
    emulator.admin(
        "POST",
        "templates",
        json={
            "waba_id": WABA_ID,
            "name": "login_code",
            "language": "de",
            "category": "AUTHENTICATION",
            "components": [{"type": "BODY", "text": "Ihr Code: {{1}}"}],
        },
    )
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "termin_erinnerung" in page and "login_code" not in page
