"""What the conditions of a batch's rules need to know, read with one query per kind.

A rules job (engine.py) or a dry run (dryrun.py) evaluates many rules against
many conversations at once; each kind of fact is read in bulk, and only when a
rule asks for it: a workspace whose rules test no label never reads labels.
Business hours are asked per number and team (hours/schedule.py, the one rule
for them) and remembered for the batch.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..campaigns.replies import REPLY_WINDOW
from ..dbutil import one_of
from ..extensions import db
from ..hours import schedule
from ..models import (
    Campaign,
    CampaignRecipient,
    Conversation,
    ConversationLabel,
    Message,
)
from ..outbound.rules import NOT_CONTACT_MESSAGES

# Words: letters and digits, any script (conditions.py compares words).
WORD = re.compile(r"\w+")
# What counts as the contact's words: a text, a caption, a button's title.
MAX_TEXT = 4096  # WhatsApp's own limit for a text; longer is never matched


@dataclass
class Facts:
    now: datetime
    # Conversation id → texts the text conditions read (the new messages of a
    # "message received", else the contact's latest message).
    texts: dict[int, list[str]] = field(default_factory=dict)
    # Conversation id → how many new inbound messages the batch brought.
    new_messages: dict[int, int] = field(default_factory=dict)
    # Conversation id → whether the batch's messages were the contact's first
    # there (the drain's answer, engine.Event.first_contact).
    first_contacts: dict[int, bool] = field(default_factory=dict)
    labels: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    replied: set[int] = field(default_factory=set)  # conversation ids
    hours_open: dict[tuple[int, int | None], bool] = field(default_factory=dict)
    normalized: dict[int, list[str]] = field(default_factory=dict)

    def words(self, conversation_id: int) -> list[str]:
        """The texts' words (words_of) between spaces, cut once per conversation."""
        if conversation_id not in self.normalized:
            self.normalized[conversation_id] = [
                f" {words_of(text)} " for text in self.texts.get(conversation_id, [])
            ]
        return self.normalized[conversation_id]

    def is_open(self, conversation: Conversation) -> bool:
        key = (conversation.channel_id, conversation.team_id)
        if key not in self.hours_open:
            self.hours_open[key] = schedule.is_open(conversation, self.now)
        return self.hours_open[key]


def words_of(text: str) -> str:
    """The text's words, case-folded, joined by single spaces."""
    return " ".join(WORD.findall(text.casefold()))


def load(
    conversations: list[Conversation],
    ranges: dict[int, tuple[int, int]],
    kinds: set[str],
    now: datetime,
) -> Facts:
    """The facts of these conversations that conditions of `kinds` read.

    ranges: conversation id → (first, last) id of the messages a contact just
    wrote (a drain's arrivals); the text conditions read those.
    """
    facts = Facts(now)
    ids = [c.id for c in conversations]
    if kinds & {"text_contains", "text_equals", "first_contact"} and ranges:
        new_texts(facts, ranges)
    if kinds & {"text_contains", "text_equals"}:
        latest_texts(facts, [i for i in ids if i not in ranges])
    if "label" in kinds or kinds & {"add_label", "remove_label"}:
        for conversation_id, label_id in db.session.execute(
            select(ConversationLabel.conversation_id, ConversationLabel.label_id).where(
                one_of(ConversationLabel.conversation_id, ids)
            )
        ):
            facts.labels[conversation_id].add(label_id)
    if "campaign_reply" in kinds:
        facts.replied = campaign_replies(conversations, now)
    return facts


def contact_words():
    """The message columns that hold what the contact wrote."""
    return func.coalesce(Message.text, Message.caption)


def new_texts(facts: Facts, ranges: dict[int, tuple[int, int]]) -> None:
    """The contact's messages of the batch, per conversation (one query)."""
    low = min(first for first, _ in ranges.values())
    high = max(last for _, last in ranges.values())
    rows = db.session.execute(
        select(Message.conversation_id, Message.id, contact_words())
        .where(
            one_of(Message.conversation_id, list(ranges)),
            Message.id.between(low, high),
            Message.direction == "in",
            Message.type.not_in((*NOT_CONTACT_MESSAGES, "reaction", "revoke", "edit")),
        )
        .order_by(Message.id)
    )
    for conversation_id, message_id, text in rows:
        first, last = ranges[conversation_id]
        if first <= message_id <= last:
            facts.new_messages[conversation_id] = (
                facts.new_messages.get(conversation_id, 0) + 1
            )
            if text:
                facts.texts.setdefault(conversation_id, []).append(text[:MAX_TEXT])


def latest_texts(facts: Facts, ids: Iterable[int]) -> None:
    """The contact's latest words per conversation, for triggers without a message."""
    ids = list(ids)
    if not ids:
        return
    newest = (
        select(func.max(Message.id))
        .where(
            one_of(Message.conversation_id, ids),
            Message.direction == "in",
            contact_words().is_not(None),
        )
        .group_by(Message.conversation_id)
    )
    for conversation_id, text in db.session.execute(
        select(Message.conversation_id, contact_words()).where(Message.id.in_(newest))
    ):
        facts.texts[conversation_id] = [text[:MAX_TEXT]]


def campaign_replies(conversations: list[Conversation], now: datetime) -> set[int]:
    """Conversations whose contact answered a campaign of their number lately."""
    wanted = {(c.contact_id, c.channel_id): c.id for c in conversations}
    if not wanted:
        return set()
    rows = db.session.execute(
        select(CampaignRecipient.contact_id, Campaign.channel_id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(
            one_of(CampaignRecipient.contact_id, {c for c, _ in wanted}),
            CampaignRecipient.replied_at > now - REPLY_WINDOW,
        )
    )
    return {wanted[key] for key in map(tuple, rows) if key in wanted}
