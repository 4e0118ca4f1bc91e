"""Simulated recipients: whose phone gets a message, who reads it, who answers.

A campaign can only be tried end to end with phones that are off, messages nobody
reads and a few answers. Each decision is a hash of the wamid with its own salt,
not `random`: the same wamids always give the same outcome (a run can be
explained afterwards), and the three decisions are independent of each other.
Chats a person plays on the Kundenhandy page are left alone: there the person
reads and answers.
"""

import hashlib
from dataclasses import dataclass
from functools import partial

from .inbound import inject_inbound
from .models import SentMessage
from .settings import Settings
from .state import Emulator


@dataclass(frozen=True)
class Fate:
    """What the recipient's phone does with one message."""

    delivered: bool
    read: bool
    replies: bool

    def allows(self, status: str) -> bool:
        """Whether the phone produces this status (Meta's `sent` needs no phone)."""
        return {"delivered": self.delivered, "read": self.read}.get(status, True)


# Also the outcome of the default settings, which keeps the emulator's old behaviour.
MANUAL = Fate(delivered=True, read=True, replies=False)


def share_point(wamid: str, salt: str) -> float:
    """A number in [0, 1) fixed by the wamid; each salt gives an independent one."""
    digest = hashlib.sha256(f"{salt}:{wamid}".encode()).digest()
    # 53 bits fit a float exactly; 64 could round up to 1.0 and leave [0, 1).
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def fate_of(settings: Settings, wamid: str) -> Fate:
    """Decide from the shares; read needs delivered, a reply needs read."""
    delivered = share_point(wamid, "delivered") < settings.delivered_share
    read = delivered and share_point(wamid, "read") < settings.read_share
    replies = read and share_point(wamid, "reply") < settings.reply_share
    return Fate(delivered=delivered, read=read, replies=replies)


def fate_for(emulator: Emulator, message: SentMessage) -> Fate:
    if emulator.store.driven_manually(message.phone_number_id, message.recipient):
        return MANUAL
    return fate_of(emulator.settings, message.id)


def schedule_reply(emulator: Emulator, message: SentMessage, read_at: float) -> None:
    """Answer reply_delay seconds after the read (read_at counts from the send)."""
    delay = read_at + emulator.settings.reply_delay
    emulator.dispatcher.call_later(delay, partial(reply_to, emulator, message.id))


def reply_to(emulator: Emulator, message_id: str) -> None:
    """The recipient answers a message quoting it, as an inbound text."""
    message = emulator.store.sent_message(message_id)
    number = emulator.store.number(message.phone_number_id) if message else None
    if message is None or number is None:
        # A scheduled reply that outlived an admin reset.
        raise LookupError(f"unknown message {message_id}")
    # inject_inbound also renews the recipient's 24-hour window, like any message.
    inject_inbound(emulator, number, reply_params(emulator, message))


def reply_params(emulator: Emulator, message: SentMessage) -> dict:
    texts = emulator.settings.reply_texts
    text = texts[int(share_point(message.id, "reply_text") * len(texts))]
    if message.recipient_is_bsuid:
        sender = {"bsuid_only": True, "user_id": message.recipient}
    else:
        sender = {"from": message.recipient}
    name = known_name(emulator, message)
    # reply_to gives the `context` WhatsApp sets on an answer to a message.
    return {
        "type": "text",
        "text": text,
        "reply_to": message.id,
        "name": name,
        **sender,
    }


def known_name(emulator: Emulator, message: SentMessage) -> str:
    """The name the contact last wrote under, else one of its own (not a default
    shared by all, which LeadGate would store as every contact's profile name)."""
    chat = emulator.store.conversation(message.phone_number_id, message.recipient)
    names = [m.name for m in chat if not isinstance(m, SentMessage)]
    return names[-1] if names else f"Kunde {message.recipient[-4:]}"
