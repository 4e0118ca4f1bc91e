"""Template pacing and pausing: held sends, paused templates, disabled templates.

Meta paces a template it is unsure of (the send answer says
held_for_quality_assessment), pauses one with poor feedback for 3 h, then 6 h,
and then disables it, each step announced by a message_template_status_update
webhook. The emulator plays Meta over HTTP; its webhooks are posted to LeadGate
as Meta would sign them.
"""

from datetime import timedelta

from sqlalchemy import select

from leadgate.models import Message, MessageTemplate, SendAttempt, utcnow
from leadgate.outbound.recovery import sweep_outbound
from leadgate.outbound.templates import sync_all_templates

from ..emulator_support import value_of
from .helpers import (
    change,
    close_window,
    customer_writes,
    deliver,
    read,
    relay,
    run,
    send_text,
    sent_at_emulator,
    sync,
)
from .meta_changes import (
    OFFER,
    REMINDER,
    emulator_template,
    meta_sets_template,
    offered_templates,
    queue_template,
    send_template,
    template_message,
    template_webhook,
    templates_sent,
)


def template_status(name: str) -> str:
    [status] = read(select(MessageTemplate.status).where(MessageTemplate.name == name))
    return status


def test_a_held_template_is_shown_as_held_until_its_statuses_move_it_on(
    client, emulator, receiver, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    emulator.admin("PATCH", "settings", json={"HELD_TEMPLATES": [REMINDER]})
    send_template(client, conversation_id)
    message = template_message()
    [sent] = templates_sent(emulator)
    assert (message.status, message.wamid) == ("held", sent["id"])
    [attempt] = read(select(SendAttempt))
    assert (attempt.outcome, attempt.wamid) == ("accepted", sent["id"])
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "von Meta zurückgehalten" in page and "Von Meta zurückgehalten:" in page
    assert "fehlgeschlagen" not in page
    relay(client, receiver, channel_key, 3)  # Meta releases it: sent, delivered, read
    assert template_message().status == "read"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "zurückgehalten" not in page


def test_a_paused_template_is_not_offered_and_its_queued_send_waits_for_reinstatement(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    queue_template(client, app, conversation_id)
    assert template_message().status == "queued"
    webhook = template_webhook(client, emulator, channel_key, REMINDER, "PAUSED")
    assert value_of(webhook)["other_info"]["title"] == "FIRST_PAUSE"
    assert template_status(REMINDER) == "PAUSED"
    assert template_message().status == "paused"
    # Neither the send job nor the sweeper sends it, and it does not fail.
    assert deliver() == {}
    change(Message, Message.type == "template", sent_at=utcnow() - timedelta(hours=1))
    assert run(sweep_outbound)["requeued"] == 0
    assert (template_message().status, templates_sent(emulator)) == ("paused", [])
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "wartet: Vorlage pausiert" in page and "Erneut senden" not in page
    picker = offered_templates(page)
    assert OFFER in picker and REMINDER not in picker
    settings = client.get("/settings/channels/templates").get_data(as_text=True)
    assert "pausiert" in settings and "paused for 3 hours" in settings
    # It does not hold up the conversation: the customer writes, the answer goes.
    customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id, "Gern, was kann ich tun?")
    answers = read(
        select(Message.status).where(Message.direction == "out", Message.type == "text")
    )
    assert answers == ["sent"]
    # Meta approves the template again: the waiting send goes out, once.
    webhook = template_webhook(client, emulator, channel_key, REMINDER, "APPROVED")
    assert value_of(webhook)["other_info"]["title"] == "UNPAUSE"
    message = template_message()
    [sent] = templates_sent(emulator)
    assert (message.status, message.wamid) == ("sent", sent["id"])
    assert template_status(REMINDER) == "APPROVED"
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert REMINDER in offered_templates(page)


def test_a_send_meta_refuses_as_paused_waits_and_goes_after_reinstatement(
    client, emulator, channel_key
):
    """The pause webhook has not arrived yet: Meta's 132015 tells, nothing fails."""
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    meta_sets_template(emulator, REMINDER, "PAUSED")  # its webhook is not relayed
    send_template(client, conversation_id)
    message = template_message()
    assert (message.status, message.wamid, message.error_code) == ("paused", None, None)
    [attempt] = read(select(SendAttempt))
    assert (attempt.outcome, attempt.error_code) == ("paused", 132015)
    assert template_status(REMINDER) == "PAUSED"
    template_webhook(client, emulator, channel_key, REMINDER, "REINSTATED")
    assert template_status(REMINDER) == "APPROVED"
    message = template_message()
    [sent] = sent_at_emulator(emulator)
    assert (message.status, message.wamid) == ("sent", sent["id"])


def test_a_disabled_template_fails_its_waiting_sends_with_the_reason(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    queue_template(client, app, conversation_id)
    template_webhook(client, emulator, channel_key, REMINDER, "PAUSED")
    assert template_message().status == "paused"
    webhook = template_webhook(client, emulator, channel_key, REMINDER, "DISABLED")
    assert "disable_date" in value_of(webhook)["disable_info"]
    message = template_message()
    assert (message.status, message.wamid) == ("failed", None)
    assert deliver() == {} and templates_sent(emulator) == []
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Meta hat die Vorlage nach negativen Rückmeldungen deaktiviert" in page
    assert REMINDER not in offered_templates(page)
    settings = client.get("/settings/channels/templates").get_data(as_text=True)
    assert "deaktiviert" in settings and "has been disabled" in settings


def test_a_queued_send_of_a_template_disabled_meanwhile_fails_with_the_reason(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    queue_template(client, app, conversation_id)
    template_webhook(client, emulator, channel_key, REMINDER, "DISABLED")
    assert (template_message().status, templates_sent(emulator)) == ("failed", [])
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "deaktiviert" in page


def test_the_sync_carries_pauses_and_disabling_missed_as_webhooks(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    queue_template(client, app, conversation_id)
    meta_sets_template(emulator, REMINDER, "PAUSED")  # webhook lost
    run(sync_all_templates)  # the hourly cron
    assert (template_status(REMINDER), template_message().status) == (
        "PAUSED",
        "paused",
    )
    meta_sets_template(emulator, REMINDER, "APPROVED")
    run(sync_all_templates)
    message = template_message()
    [sent] = templates_sent(emulator)
    assert (template_status(REMINDER), message.wamid) == ("APPROVED", sent["id"])
    meta_sets_template(emulator, OFFER, "DISABLED")
    queue_template(client, app, conversation_id, OFFER)
    run(sync_all_templates)
    [offer] = read(select(Message).where(Message.text.like("%Angebot%")))
    assert (template_status(OFFER), offer.status) == ("DISABLED", "failed")
    assert len(templates_sent(emulator)) == 1


def test_a_flagged_template_stays_offered(client, emulator, channel_key):
    """FLAGGED is a warning, not a status: the template may still be sent."""
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    template_webhook(client, emulator, channel_key, REMINDER, "FLAGGED")
    assert template_status(REMINDER) == "APPROVED"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert REMINDER in offered_templates(page)


def test_the_emulators_template_page_pauses_disables_and_reinstates(emulator, receiver):
    """The dev UI plays Meta: each button sends the status webhook."""
    page = emulator.http.get("/templates")
    assert page.status_code == 200 and REMINDER in page.text
    assert "Pausieren" in page.text and "Deaktivieren" in page.text
    path = f"/templates/{emulator_template(emulator, REMINDER)}/status"
    reminder = {
        "name": REMINDER,
        "language": "de",
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Erika"},
                    {"type": "text", "text": "Montag"},
                ],
            }
        ],
    }
    for event, code in (("PAUSED", 132015), ("DISABLED", 132016), ("APPROVED", None)):
        answer = emulator.http.post(path, data={"event": event})
        assert answer.status_code == 303
        send = emulator.send_template(**reminder)
        if code:
            assert send.json()["error"]["code"] == code
        else:
            assert send.status_code == 200, send.text
    bodies = receiver.wait_for(3)
    events = [value_of(entry.json())["event"] for entry in bodies[:3]]
    assert events == ["PAUSED", "DISABLED", "APPROVED"]
    assert emulator.http.post(path, data={"event": "DELETED"}).status_code == 400
