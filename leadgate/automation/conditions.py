"""Whether a rule's conditions ("falls") hold for a conversation: all of them must.

Text conditions compare words, not characters: a text and the rule's words
are both cut into words (letters and digits, any script) and case-folded, so
"Bewerbung" matches "bewerbung!" and "BEWERBUNG" but not "Bewerbungen". A
condition lists words or phrases separated by commas; one of them suffices.
"contains" looks for the phrase's words in a row inside the text, "equals"
wants the text to be nothing but them. No pattern a user types is ever
compiled: the only regular expression is facts.WORD, and the search is
Python's substring search, both linear in the text's length.
"""

from collections.abc import Callable
from functools import lru_cache

from ..models import Conversation
from ..outbound.rules import marketing_block
from .facts import Facts, words_of


@lru_cache(maxsize=4096)
def phrases(words: str) -> tuple[str, ...]:
    """The comma-separated phrases of a condition, as words_of gives them, each
    between spaces (so "in" in " a in b " finds whole words only)."""
    cut = (words_of(part) for part in words.split(","))
    return tuple(f" {phrase} " for phrase in cut if phrase)


def text_contains(texts: list[str], words: str) -> bool:
    """texts: as Facts.words gives them (cut once, between spaces)."""
    wanted = phrases(words)
    return any(phrase in text for text in texts for phrase in wanted)


def text_equals(texts: list[str], words: str) -> bool:
    wanted = phrases(words)
    return any(text in wanted for text in texts)


def field_equals(conversation: Conversation, key: str, value: str) -> bool:
    stored = (conversation.contact.attributes or {}).get(key)
    return stored is not None and str(stored).strip().casefold() == (
        value.strip().casefold()
    )


def first_contact(conversation: Conversation, facts: Facts) -> bool:
    """The contact's first message(s) in this conversation (a batch may bring several).

    As the drain saw it when it stored them; without that (a rule of another
    trigger), from the count now.
    """
    known = facts.first_contacts.get(conversation.id)
    if known is not None:
        return known
    new = facts.new_messages.get(conversation.id, 0)
    return (conversation.inbound_count or 0) <= max(new, 1)


def marketing_consent(conversation: Conversation) -> bool:
    """Opted in to marketing on record, and no stop since (here or at Meta)."""
    contact = conversation.contact
    return marketing_block(contact.marketing_consent, contact, proven=True) is None


def yes(condition: dict) -> bool:
    return condition.get("choice") in ("yes", "inside")


CHECKS: dict[str, Callable[[dict, Conversation, Facts], bool]] = {
    "text_contains": lambda c, conv, f: text_contains(
        f.words(conv.id), c.get("words", "")
    ),
    "text_equals": lambda c, conv, f: text_equals(f.words(conv.id), c.get("words", "")),
    "channel": lambda c, conv, f: conv.channel_id == c.get("channel_id"),
    "team": lambda c, conv, f: conv.team_id == c.get("team_id"),
    "label": lambda c, conv, f: c.get("label_id") in f.labels[conv.id],
    "field": lambda c, conv, f: field_equals(
        conv, c.get("field_key", ""), c.get("value", "")
    ),
    "hours": lambda c, conv, f: f.is_open(conv) == yes(c),
    "first_contact": lambda c, conv, f: first_contact(conv, f) == yes(c),
    "consent": lambda c, conv, f: marketing_consent(conv) == yes(c),
    "campaign_reply": lambda c, conv, f: (conv.id in f.replied) == yes(c),
}


def holds(condition: dict, conversation: Conversation, facts: Facts) -> bool:
    """One condition; an unknown kind (from a newer version) never holds."""
    check = CHECKS.get(condition.get("kind", ""))
    return check is not None and check(condition, conversation, facts)


def all_hold(conditions: list[dict], conversation: Conversation, facts: Facts) -> bool:
    return all(holds(condition, conversation, facts) for condition in conditions)
