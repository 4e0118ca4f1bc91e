"""Steps for the tests of Meta's 2025–26 sending changes: template states at the
emulator, queued template sends, BSUID-only customers."""

from sqlalchemy import select

from leadgate.models import Conversation, Message

from ..webhook_fixtures import meta_bytes
from .helpers import post_webhook, read, sent_at_emulator, template_id

BSUID = "DE.7391028465501927364"
REMINDER = "termin_erinnerung"  # UTILITY, body {{1}} {{2}}
OFFER = "angebot_nachfassen"  # MARKETING, body {{1}}


def emulator_template(emulator, name: str) -> str:
    """The emulator's (Meta's) id of a template."""
    [template] = emulator.admin("GET", "templates", params={"name": name})["data"]
    return template["id"]


def meta_sets_template(emulator, name: str, event: str) -> dict:
    """Meta changes a template's status; returns the webhook it sends."""
    path = f"templates/{emulator_template(emulator, name)}/status"
    return emulator.admin("POST", path, json={"event": event})["webhook"]


def template_webhook(client, emulator, key: str, name: str, event: str) -> dict:
    """Meta changes a template's status and LeadGate receives the webhook."""
    webhook = meta_sets_template(emulator, name, event)
    post_webhook(client, key, meta_bytes(webhook))
    return webhook


def send_template(client, conversation_id: int, name: str = REMINDER):
    values = {"var-BODY-1": "Erika", "var-BODY-2": "Montag"}
    if name == OFFER:
        values = {"var-BODY-1": "Erika"}
    return client.post(
        f"/inbox/{conversation_id}/template",
        data={"template_id": template_id(name), **values},
    )


def queue_template(client, app, conversation_id: int, name: str = REMINDER) -> None:
    """Queue a template send whose job no worker picks up yet (it stays queued)."""
    app.config["QUEUE_IS_ASYNC"] = True
    try:
        send_template(client, conversation_id, name)
    finally:
        app.config["QUEUE_IS_ASYNC"] = False


def templates_sent(emulator) -> list[dict]:
    return [m for m in sent_at_emulator(emulator) if m["type"] == "template"]


def template_message() -> Message:
    [message] = read(
        select(Message).where(Message.direction == "out", Message.type == "template")
    )
    return message


def offered_templates(page: str) -> str:
    """The composer's template picker (the thread may name templates elsewhere)."""
    start = page.index('class="template-list"')
    return page[start : page.index("</fieldset>", start)]


def bsuid_customer_writes(client, emulator, key: str) -> int:
    """A customer with a WhatsApp username (no phone number) writes first."""
    answer = emulator.inject(
        bsuid_only=True,
        user_id=BSUID,
        username="erika.m",
        deliver=False,
        text="Hallo, ich hätte eine Frage.",
    )
    post_webhook(client, key, meta_bytes(answer["webhook"]))
    return read(select(Conversation.id))[0]
