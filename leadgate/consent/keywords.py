"""Opt-out and opt-in by keyword: "STOP" ends marketing messages, "START" allows them again.

The whole message must be the keyword (any case, surrounding spaces and a final
"!" or "." ignored), so "Bitte nicht stoppen" or "STOP the delivery" is no
opt-out. Runs inside the webhook drain's transaction, once per new message.
"""

import re

from ..models import Channel, Contact, Workspace
from . import ledger

# Anchored at the start of the run: "[\s.!]+$" alone tried again from every
# position of a long run of spaces or dots before a last letter (quadratic).
TRAILING = re.compile(r"(?<![\s.!])[\s.!]+$")


def keywords(setting: str) -> set[str]:
    return {word.strip().upper() for word in setting.split(",") if word.strip()}


def apply_keyword(
    channel: Channel, contact: Contact, text: str | None, wamid: str
) -> str | None:
    """Record an opt-out or opt-in if the message is a keyword; return the action."""
    action = keyword_action(channel.workspace, text)
    if action is None:
        return None
    ledger.record(
        contact,
        ledger.MARKETING,
        action,
        "keyword",
        wording=text,
        message_wamid=wamid,
        channel_id=channel.id,
    )
    return action


def keyword_action(workspace: Workspace, text: str | None) -> str | None:
    """The action ("opt_out" or "opt_in") if the whole message is a keyword."""
    word = TRAILING.sub("", (text or "").strip()).upper()
    if not word:
        return None
    if word in keywords(workspace.opt_out_keywords):
        return "opt_out"
    if word in keywords(workspace.opt_in_keywords):
        return "opt_in"
    return None


def opt_out_reply(channel: Channel, contact: Contact) -> str | None:
    """The workspace's confirmation of an opt-out, if it has one and may send it.

    A follow-up for the caller to queue (webhooks/inbound.py, with the outbound
    service), so consent never depends on sending. The keyword itself opened the
    24-hour window, so a free-form answer may go out. A restricted contact gets
    nothing: restriction means no messages at all.
    """
    text = (channel.workspace.opt_out_reply or "").strip()
    if not text or contact.restricted_at is not None or channel.needs_new_token:
        return None
    return text
