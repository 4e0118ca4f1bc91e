"""Each conversation's full-text search document (PostgreSQL), kept by the writers.

Whoever stores a message, an answer or a note appends its words here, in the
same flush as the conversation's own update; inbox/search.py queries it.
"""

from sqlalchemy import case, func, literal_column

from .extensions import db
from .models import Conversation

# A document stops growing at this many distinct words (PostgreSQL caps a
# tsvector at 1 MB; a conversation that long is found by its other words).
MAX_DOCUMENT_WORDS = 20_000


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def simple(value):
    return func.to_tsvector(literal_column("'simple'"), value)


def add_words(conversation: Conversation, *texts: str | None) -> None:
    """Append texts to the conversation's search document (PostgreSQL only).

    An SQL expression on the attribute: the words join in the conversation's
    own UPDATE at the next flush. Call once per flush with all new texts.
    """
    words = " ".join(text for text in texts if text)
    if not words or not on_postgresql():
        return
    current = func.coalesce(
        Conversation.search_document, literal_column("''::tsvector")
    )
    conversation.search_document = case(
        (
            func.length(current) < MAX_DOCUMENT_WORDS,
            func.strip(current.op("||")(simple(words))),
        ),
        else_=current,
    )
