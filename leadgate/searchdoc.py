"""Each conversation's full-text search document (PostgreSQL), kept by the writers.

Whoever stores a message, an answer or a note appends its words here, in the
same flush as the conversation's own update; inbox/search.py queries it.

PostgreSQL refuses a tsvector whose lexemes take more than 1 MB ("string is
too long for tsvector"); raised while a webhook event is applied, that error
failed the event and kept the message out of the inbox. So what goes in is
bounded:

- per text: its first TEXT_CHARS characters. Meta's texts and captions and
  our notes are shorter, so real messages are indexed whole; a flood of
  distinct words is found by its early words. One call indexes at most
  ADDED_CHARS characters, whose lexemes stay well under the limit (at most 4
  bytes a character, twice for the parts of URLs and compound words);
- per document: new words join while the document has fewer than
  MAX_DOCUMENT_WORDS distinct words (each update re-indexes all of them in the
  GIN index, so a longer document makes every write to its conversation
  slower) and only if old and new together fit the 1 MB (measured by their
  text forms, which are longer than their lexemes).

Beyond the cap new words are ignored rather than the oldest dropped: a tsvector
does not know which of its words are old, so dropping them would mean
rebuilding it from the messages on every write, and ordinary conversations
never get near 20,000 distinct words. A conversation filled by a flood keeps
its earlier words; the retention purge rebuilds its document from the newest
messages once old ones expire (privacy/retention/batches.py).
"""

from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from .extensions import db
from .models import Conversation

TEXT_CHARS = 10_000
ADDED_CHARS = 100_000
MAX_DOCUMENT_WORDS = 20_000
# PostgreSQL's MAXSTRPOS: the most bytes a tsvector's lexemes may take together.
TSVECTOR_BYTES = 1024 * 1024 - 1
EMPTY = literal_column("''::tsvector")


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def simple(value):
    return func.to_tsvector(literal_column("'simple'"), value)


def text_size(document):
    """An upper bound of the bytes a tsvector's lexemes take: its text form's."""
    return func.octet_length(cast(document, Text))


def indexed(texts) -> str:
    """What of these texts is indexed: each text's start, together ADDED_CHARS."""
    parts, room = [], ADDED_CHARS
    for text in texts:
        if not text or room <= 0:
            continue
        part = text[: min(TEXT_CHARS, room)]
        if len(part) < len(text):  # cut at a word's end, not in a word
            part = part.rsplit(maxsplit=1)[0] if part.strip() else ""
        parts.append(part)
        room -= len(part) + 1
    return " ".join(parts)


def add_words(conversation: Conversation, *texts: str | None) -> None:
    """Append texts to the conversation's search document (PostgreSQL only).

    An SQL expression on the attribute: the words join in the conversation's
    own UPDATE at the next flush. Call once per flush with all new texts.
    """
    words = indexed(texts)
    if not words or not on_postgresql():
        return
    current = func.coalesce(Conversation.search_document, EMPTY)
    new = select(func.strip(simple(words)).label("words")).subquery()
    conversation.search_document = (
        select(appended(current, new.c.words))
        .select_from(new)  # the new words' tsvector, computed once
        .scalar_subquery()
    )


def add_words_to_many(texts_by_conversation: dict[int, list[str | None]]) -> None:
    """Append texts to many conversations' documents with one UPDATE (PostgreSQL only).

    For writers of many conversations at once (the webhook drain): add_words
    makes each conversation's UPDATE a statement of its own, one round trip each.
    """
    words = {cid: indexed(texts) for cid, texts in texts_by_conversation.items()}
    words = {cid: text for cid, text in words.items() if text}
    if not words or not on_postgresql():
        return
    rows = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Integer)),
            bindparam("words", type_=ARRAY(Text)),
        )
        .table_valued("id", "words")
        .render_derived(name="batch")
    )
    new = select(rows.c.id, func.strip(simple(rows.c.words)).label("words")).subquery()
    table = Conversation.__table__
    current = func.coalesce(table.c.search_document, EMPTY)
    db.session.execute(
        update(table)
        .where(table.c.id == new.c.id)
        .values(search_document=appended(current, new.c.words)),
        {"ids": list(words), "words": list(words.values())},
    )


def appended(current, new_words):
    """The document with the new words, unless it is full or both would not fit."""
    return case(
        (
            (func.length(current) < MAX_DOCUMENT_WORDS)
            & (text_size(current) + text_size(new_words) < TSVECTOR_BYTES),
            func.strip(current.op("||")(new_words)),
        ),
        else_=current,
    )


def combined(kept, other):
    """Two documents as one (a merge); the kept one alone if both would not fit."""
    kept, other = func.coalesce(kept, EMPTY), func.coalesce(other, EMPTY)
    return case(
        (
            text_size(kept) + text_size(other) < TSVECTOR_BYTES,
            func.strip(kept.op("||")(other)),
        ),
        else_=kept,
    )
