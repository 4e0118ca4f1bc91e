"""Search conversations by contact name, phone number and message text.

PostgreSQL: substring matches on name and number use trigram indexes; message
texts are found through one full-text document per conversation
(conversation.search_document, GIN-indexed, 'simple' configuration: no
stemming, so German and English words match as typed). Whoever adds a message,
note or answer appends its words (`add_words`), so a search touches
conversations, not a million messages. SQLite (the embedded default): LIKE over
the messages, fine for a demo-sized database. Migrations 0005/0006 create the
PostgreSQL indexes and fill the documents of existing conversations.

A number is searched as people type it: "0151 1234", "+49 151 1234" and
"0049 151 1234" find the same contacts (phones.number_search, with the
workspace's region), in the inbox and in the contact list alike.

Each half of a search (contacts, texts) is first counted up to FEW by its
indexes, so that the list query gets a plan that fits: see `by_contact`.
"""

import re

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    any_,
    func,
    literal,
    literal_column,
    or_,
    select,
)

from ..extensions import db
from ..models import Contact, Conversation, Message, Workspace
from ..phones import number_search
from ..searchdoc import on_postgresql

# Created by migrations 0005, 0006, 0010 and 0019 on PostgreSQL only, so the schema
# check skips them.
POSTGRES_ONLY_INDEXES = frozenset(
    {
        "ix_contact_profile_name_trgm",
        "ix_contact_username_trgm",
        # 0010, the contact list's search
        "ix_contact_name_trgm",
        "ix_contact_email_trgm",
        # 0019, the number search (number_text)
        "ix_contact_number_trgm",
        "ix_conversation_search_document",
    }
)
MAX_QUERY_LENGTH = 100
PHONE = re.compile(r"[+\d\s()/.-]+")  # how people write phone numbers
# Up to this many matching contacts or conversations, a search hands their
# ids to the list query; above it, matches are dense enough that walking the
# list newest first fills a page after a few thousand rows (see `matches`).
FEW = 1000


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def region_of(workspace_id: int) -> str:
    """The region a workspace's numbers without country code belong to."""
    workspace = db.session.get(Workspace, workspace_id)
    return workspace.phone_region if workspace else ""


def number_matches(text: str, region: str) -> ColumnElement[bool] | None:
    """A condition on Contact: its number holds the typed digits (None: too few)."""
    wanted = number_search(text, region)
    if wanted is None:
        return None
    digits = wanted.digits  # digits only: nothing to escape in a LIKE pattern
    numbers = number_text()
    if wanted.leading:  # the WhatsApp id, or the E.164 number after the space
        return or_(numbers.like(f"{digits}%"), numbers.like(f"% +{digits}%"))
    return numbers.like(f"%{digits}%")  # digits never span the space or the +


def number_text() -> ColumnElement[str]:
    """A contact's WhatsApp id and E.164 number as one text: "49170… +49170…".

    The number search reads this expression, which has the trigram index
    (migration 0019, written the same way): the number columns themselves
    must have none, or PostgreSQL takes it for lookups by `=`.
    """
    empty = literal_column("''")
    return (
        func.coalesce(Contact.wa_id, empty)
        .concat(literal_column("' '"))
        .concat(func.coalesce(Contact.phone_e164, empty))
    )


def matches(workspace_id: int, query: str) -> ColumnElement[bool]:
    """A condition on Conversation: its contact or one of its messages matches."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    digits = sum(ch.isdigit() for ch in query)
    number = number_matches(query, region_of(workspace_id)) if digits >= 3 else None
    if number is not None and digits >= 6 and PHONE.fullmatch(query):
        # "+49 170 1234567", "0170 1234567": a phone number, nothing else.
        return by_contact(workspace_id, number)
    pattern = like_pattern(query)
    contact_conditions = [
        Contact.name.ilike(pattern, escape="\\"),
        Contact.profile_name.ilike(pattern, escape="\\"),
        Contact.username.ilike(pattern, escape="\\"),
    ]
    if number is not None:  # part of a number: "170 12" finds 4917012…
        contact_conditions.append(number)
    return or_(
        by_contact(workspace_id, or_(*contact_conditions)),
        by_text(workspace_id, text_match(workspace_id, query)),
    )


def text_match(workspace_id: int, query: str) -> ColumnElement[bool]:
    """A condition on Conversation: one of its messages or notes has the words."""
    if on_postgresql():
        return Conversation.search_document.op("@@")(
            func.plainto_tsquery(literal_column("'simple'"), query)
        )
    pattern = like_pattern(query)
    return Conversation.id.in_(
        select(Message.conversation_id).where(
            Message.workspace_id == workspace_id,
            Message.direction.in_(("in", "out", "note")),
            or_(
                Message.text.ilike(pattern, escape="\\"),
                Message.caption.ilike(pattern, escape="\\"),
            ),
        )
    )


# Why each half of a search is counted first: the list shows the newest 50
# conversations whose contact OR text matches, and PostgreSQL cannot weigh
# the halves of such an OR. Left to itself it walks the list newest first and
# tests each row: quick when matches are many ("Anna", a common word), a walk
# through all 100,000 conversations when they are few (one person's name, an
# order number). Worse, it computes the contact half in full beforehand,
# planned for half its rows, so by a sequential scan of every contact (the
# 59 of 70 ms that "Greta Weber" took). So each half is fetched by its
# indexes, up to FEW ids: few matches reach the list query as ids, fetched by
# key and sorted; many stay a condition tested row by row, and the walk fills
# a page within about 50 * conversations / FEW rows.


def by_contact(workspace_id: int, condition) -> ColumnElement[bool]:
    """Conversations whose contact meets the condition."""
    ids = first_ids(
        select(Contact.id).where(Contact.workspace_id == workspace_id, condition)
    )
    if ids is not None:
        return among(Conversation.contact_id, ids)
    per_row = select(Contact.id).where(Contact.id == Conversation.contact_id, condition)
    if on_postgresql():
        # OFFSET 0 keeps PostgreSQL from turning EXISTS into a hashed set of
        # every matching contact, built before the first row is tested.
        per_row = per_row.offset(0)
    return per_row.exists()


def by_text(workspace_id: int, condition) -> ColumnElement[bool]:
    """Conversations meeting the text condition."""
    ids = first_ids(
        select(Conversation.id).where(
            Conversation.workspace_id == workspace_id, condition
        )
    )
    return condition if ids is None else among(Conversation.id, ids)


def first_ids(query) -> list[int] | None:
    """The ids the query finds, or None when there are more than FEW."""
    matching = query.cte("matching")
    if on_postgresql():
        # Planned for all its rows, so by its indexes: planned for the first
        # FEW + 1 only, PostgreSQL would often scan the table instead.
        matching = matching.prefix_with("MATERIALIZED")
    ids = db.session.scalars(select(matching.c.id).limit(FEW + 1)).all()
    return None if len(ids) > FEW else list(ids)


def among(column, ids: list[int]) -> ColumnElement[bool]:
    """The column holds one of the ids."""
    if on_postgresql():
        # One array parameter: a thousand placeholders cost more to build and
        # send than the query takes to run.
        return column == any_(literal(ids, ARRAY(Integer)))
    return column.in_(ids)
