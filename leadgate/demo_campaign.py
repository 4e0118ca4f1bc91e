"""The demo's campaigns in `leadgate dev`: one sent for real through the emulator, one draft.

Seeded by a job a few seconds after the server starts, once the demo number's
templates are synced: fourteen fair-trade visitors ("Messe 2026"), ten of them
with marketing consent on record, get the offer template through the real
pipeline (review, plan, feed, send, status webhooks). One of them is held back
by Meta's marketing limit (the emulator's per-recipient 131049); a few seconds
later three answer from their phones (the emulator's inbound webhooks, as
replies to the campaign message), one of them with STOP. So `make run` shows a
finished campaign with real results, its evidence and its replies in the inbox.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .campaigns.feed import enqueue_feed
from .campaigns.launch import start
from .campaigns.personalise import campaign_slots, mapping_of
from .consent import ledger
from .extensions import db
from .models import (
    Campaign,
    CampaignRecipient,
    Channel,
    Contact,
    ContactLabel,
    Label,
    Membership,
    Message,
    MessageTemplate,
    User,
    utcnow,
)
from .queue import get_queue

log = logging.getLogger(__name__)

SENT_NAME = "Herbstaktion Messe 2026"
DRAFT_NAME = "Terminerinnerung Dezember"
LABEL = "Messe 2026"
EMULATOR_KEY = "leadgate_dev_emulator"  # set by dev_stack.mount_emulator
RETRY_SECONDS = 2
MAX_TRIES = 20
# (name, number, consent): consent on record, none, or the person's STOP.
VISITORS = [
    ("Jonas Weber", "4915100000101", "opt_in"),
    ("Mia Schulz", "4915100000102", "opt_in"),
    ("Paul Wagner", "4915100000103", "opt_in"),
    ("Emma Becker", "4915100000104", "opt_in"),
    ("Leon Hoffmann", "4915100000105", "opt_in"),
    ("Hannah Koch", "4915100000106", "opt_in"),
    ("Finn Richter", "4915100000107", "opt_in"),
    ("Lea Klein", "4915100000108", "opt_in"),
    ("Noah Wolf", "4915100000109", "opt_in"),
    ("Sophie Neumann", "4915100000110", "opt_in"),
    ("Ben Schwarz", "4915100000111", None),
    ("Marie Zimmermann", "4915100000112", None),
    ("Elias Braun", "4915100000113", "opt_out"),
    ("Lina Krüger", "4915100000114", "objected"),
]
LIMITED = "4915100000110"  # Meta's marketing limit holds this one back
REPLIES = [
    ("4915100000101", "Ja, gerne! Können Sie mich morgen anrufen?"),
    ("4915100000104", "Was kostet das Paket für 10 Nutzer?"),
    ("4915100000107", "STOP"),
]


def seed_demo_campaigns_soon(app) -> None:
    """`leadgate dev`: seed once the templates sync (dev_stack) has had its second."""
    with app.app_context():
        get_queue("low").enqueue_in(
            timedelta(seconds=3), seed_demo_campaigns, 1, result_ttl=0
        )


def seed_demo_campaigns(attempt: int = 1) -> str:
    """Job: the sent campaign and the draft, unless they exist; waits for templates."""
    channel, owner = demo_channel_and_owner()
    if channel is None or owner is None:
        return "no demo workspace"
    # Its own two by name: a campaign someone made in the first seconds (a
    # browser test on a fresh `leadgate dev`) must not keep the demo's away.
    if db.session.scalar(
        select(Campaign.id).where(
            Campaign.workspace_id == channel.workspace_id,
            Campaign.name.in_((SENT_NAME, DRAFT_NAME)),
        )
    ):
        return "seeded before"
    offer = template(channel, "angebot_nachfassen")
    reminder = template(channel, "termin_erinnerung")
    if offer is None or reminder is None:
        if attempt < MAX_TRIES:
            get_queue("low").enqueue_in(
                timedelta(seconds=RETRY_SECONDS),
                seed_demo_campaigns,
                attempt + 1,
                result_ttl=0,
            )
        return "waiting for the templates"
    emulator = current_app.extensions.get(EMULATOR_KEY)
    if emulator is not None:
        emulator.settings.update({"MARKETING_LIMITED_RECIPIENTS": [LIMITED]})
    label = visitors(channel, owner)
    sent = campaign(channel, owner, offer, SENT_NAME, label, {})
    start(sent, owner)
    draft = campaign(
        channel,
        owner,
        reminder,
        DRAFT_NAME,
        label,
        {"BODY:2": {"source": "text", "text": "Donnerstag, 11. Dezember, 10:00 Uhr"}},
    )
    draft.lawful_basis = "legitimate_interest"
    db.session.commit()
    enqueue_feed(sent.id)
    get_queue("low").enqueue_in(
        timedelta(seconds=4), answer_demo_campaign, sent.id, result_ttl=0
    )
    return "seeded"


def demo_channel_and_owner() -> tuple[Channel | None, User | None]:
    # Here, not at the top: jobs.py lists these jobs, and a production worker
    # must not load the emulator (tests/test_production_app.py).
    from .demo import DEMO_EMAIL
    from .whatsapp.emulator import DEMO_NUMBER

    owner = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    channel = db.session.scalar(
        select(Channel).where(Channel.phone_number_id == DEMO_NUMBER["phone_number_id"])
    )
    if owner is None or channel is None:
        return None, None
    member = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == owner.id,
            Membership.workspace_id == channel.workspace_id,
        )
    )
    return (channel, owner) if member else (None, None)


def template(channel: Channel, name: str) -> MessageTemplate | None:
    return db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.workspace_id == channel.workspace_id,
            MessageTemplate.waba_id == channel.waba_id,
            MessageTemplate.name == name,
            MessageTemplate.status == "APPROVED",
        )
    )


def visitors(channel: Channel, owner: User) -> Label:
    """The fair's visitors, labelled, with what they agreed to (or not)."""
    label = Label(workspace_id=channel.workspace_id, name=LABEL, color="amber")
    db.session.add(label)
    db.session.flush()
    for name, number, consent in VISITORS:
        contact = Contact(
            workspace_id=channel.workspace_id,
            name=name,
            wa_id=number,
            phone_e164=f"+{number}",
            attributes={},
            opted_out_at=utcnow() if consent == "objected" else None,
        )
        db.session.add(contact)
        db.session.flush()
        db.session.add(ContactLabel(contact_id=contact.id, label_id=label.id))
        if consent in ("opt_in", "opt_out", "objected"):
            ledger.record(
                contact,
                ledger.MARKETING,
                "opt_in",
                "agent",
                wording="Ja, schicken Sie mir Angebote per WhatsApp.",
                by=owner,
                note="Messestand, Besucherkarte unterschrieben",
            )
        if consent == "opt_out":
            ledger.record(
                contact, ledger.MARKETING, "opt_out", "keyword", wording="STOP"
            )
    return label


def campaign(
    channel: Channel,
    owner: User,
    template_: MessageTemplate,
    name: str,
    label: Label,
    mapping: dict,
) -> Campaign:
    found = campaign_slots(channel.workspace_id, template_, mapping)
    row = Campaign(
        workspace_id=channel.workspace_id,
        name=name,
        channel_id=channel.id,
        template_id=template_.id,
        audience={"label": label.id},
        placeholders=mapping_of(found),
        created_by_id=owner.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def answer_demo_campaign(campaign_id: int, attempt: int = 1) -> int:
    """Job: three recipients answer from their phones (the emulator's webhooks)."""
    emulator = current_app.extensions.get(EMULATOR_KEY)
    channel, _owner = demo_channel_and_owner()
    if emulator is None or channel is None:
        return 0
    from .whatsapp.emulator.inbound import inject_inbound  # see demo_channel_and_owner

    number = emulator.store.number(channel.phone_number_id)
    wamids = dict(
        db.session.execute(
            select(Contact.wa_id, Message.wamid)
            .join(CampaignRecipient, CampaignRecipient.contact_id == Contact.id)
            .join(Message, Message.id == CampaignRecipient.message_id)
            .where(
                CampaignRecipient.campaign_id == campaign_id, Message.wamid.is_not(None)
            )
        ).all()
    )
    if len(wamids) < len(REPLIES) and attempt < MAX_TRIES:  # not all sent yet
        get_queue("low").enqueue_in(
            timedelta(seconds=RETRY_SECONDS),
            answer_demo_campaign,
            campaign_id,
            attempt + 1,
            result_ttl=0,
        )
        return 0
    names = {number: name for name, number, _ in VISITORS}
    answered = 0
    for wa_id, text in REPLIES:
        if wa_id in wamids:
            inject_inbound(
                emulator,
                number,
                {
                    "from": wa_id,
                    "name": names[wa_id],
                    "text": text,
                    "reply_to": wamids[wa_id],
                },
            )
            answered += 1
    return answered
