"""Search conversations by contact name, phone number and message text.

PostgreSQL: substring matches on name and number use trigram indexes; message
texts are found through one full-text document per conversation
(conversation.search_document, GIN-indexed, 'simple' configuration: no
stemming, so German and English words match as typed). Whoever adds a message,
note or answer appends its words (`add_words`), so a search touches
conversations, not a million messages. SQLite (the embedded default): LIKE over
the messages, fine for a demo-sized database. Migrations 0005/0006 create the
PostgreSQL indexes and fill the documents of existing conversations.
"""

import re

from sqlalchemy import ColumnElement, func, literal_column, or_, select

from ..models import Contact, Conversation, Message
from ..searchdoc import on_postgresql

# Created by migrations 0005, 0006 and 0010 on PostgreSQL only, so the schema
# check skips them.
POSTGRES_ONLY_INDEXES = frozenset(
    {
        "ix_contact_profile_name_trgm",
        "ix_contact_username_trgm",
        "ix_contact_wa_id_trgm",
        # 0010, the contact list's search
        "ix_contact_name_trgm",
        "ix_contact_email_trgm",
        "ix_contact_phone_e164_trgm",
        "ix_conversation_search_document",
    }
)
MAX_QUERY_LENGTH = 100
PHONE = re.compile(r"[+\d\s()/.-]+")  # how people write phone numbers


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(workspace_id: int, query: str) -> ColumnElement[bool]:
    """A condition on Conversation: its contact or one of its messages matches."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    pattern = like_pattern(query)
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 6 and PHONE.fullmatch(query):
        # "+49 170 1234567": a phone number, looked up by its digits only.
        numbers = select(Contact.id).where(
            Contact.workspace_id == workspace_id,
            Contact.wa_id.like(like_pattern(digits), escape="\\"),
        )
        return Conversation.contact_id.in_(numbers)
    contact_conditions = [
        Contact.name.ilike(pattern, escape="\\"),
        Contact.profile_name.ilike(pattern, escape="\\"),
    ]
    contact_conditions.append(Contact.username.ilike(pattern, escape="\\"))
    if len(digits) >= 3:  # part of a number: "170 12" finds 4917012…
        contact_conditions.append(Contact.wa_id.like(like_pattern(digits), escape="\\"))
    contacts = select(Contact.id).where(
        Contact.workspace_id == workspace_id, or_(*contact_conditions)
    )
    if on_postgresql():
        text_match = Conversation.search_document.op("@@")(
            func.plainto_tsquery(literal_column("'simple'"), query)
        )
    else:
        text_match = Conversation.id.in_(
            select(Message.conversation_id).where(
                Message.workspace_id == workspace_id,
                Message.direction.in_(("in", "out", "note")),
                or_(
                    Message.text.ilike(pattern, escape="\\"),
                    Message.caption.ilike(pattern, escape="\\"),
                ),
            )
        )
    return or_(Conversation.contact_id.in_(contacts), text_match)
