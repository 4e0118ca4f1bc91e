"""Search conversations by contact name, phone number and message text.

PostgreSQL: substring matches on name and number use trigram indexes, message
texts a full-text index ('simple' configuration: no stemming, so German and
English words match as typed). SQLite (the embedded default): LIKE, fine for a
demo-sized database. Migration 0005 creates the PostgreSQL indexes.
"""

from sqlalchemy import ColumnElement, func, literal_column, or_, select

from ..extensions import db
from ..models import Contact, Conversation, Message

# Created by migration 0005 on PostgreSQL only, so the schema check skips them.
POSTGRES_ONLY_INDEXES = frozenset(
    {"ix_contact_profile_name_trgm", "ix_contact_wa_id_trgm", "ix_message_text_search"}
)
MAX_QUERY_LENGTH = 100


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def message_document():
    """The indexed expression, spelled exactly like migration 0005.

    Constants as literals, not parameters: PostgreSQL matches an expression index
    only against the same expression, and a prepared statement's parameters are not.
    """
    empty, space = literal_column("''"), literal_column("' '")
    return func.to_tsvector(
        literal_column("'simple'"),
        func.coalesce(Message.text, empty)
        .op("||")(space)
        .op("||")(func.coalesce(Message.caption, empty)),
    )


def matches(workspace_id: int, query: str) -> ColumnElement[bool]:
    """A condition on Conversation: its contact or one of its messages matches."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    pattern = like_pattern(query)
    digits = "".join(ch for ch in query if ch.isdigit())
    contact_conditions = [Contact.profile_name.ilike(pattern, escape="\\")]
    contact_conditions.append(Contact.username.ilike(pattern, escape="\\"))
    if len(digits) >= 3:  # "+49 170 …" finds 49170…
        contact_conditions.append(Contact.wa_id.like(like_pattern(digits), escape="\\"))
    contacts = select(Contact.id).where(
        Contact.workspace_id == workspace_id, or_(*contact_conditions)
    )
    if db.engine.dialect.name == "postgresql":
        text_match = message_document().op("@@")(
            func.plainto_tsquery(literal_column("'simple'"), query)
        )
    else:
        text_match = or_(
            Message.text.ilike(pattern, escape="\\"),
            Message.caption.ilike(pattern, escape="\\"),
        )
    messages = select(Message.conversation_id).where(
        Message.workspace_id == workspace_id,
        Message.direction.in_(("in", "out", "note")),
        text_match,
    )
    return or_(Conversation.contact_id.in_(contacts), Conversation.id.in_(messages))
