"""The search document stays under PostgreSQL's 1 MB tsvector limit (searchdoc.py).

A text of a megabyte of distinct words raised "string is too long for tsvector"
while its webhook event was applied, so the event failed and the message never
reached the inbox; so did a conversation whose words added up past the limit
over many messages, and a merge of two large documents.
"""

import re
import string

import pytest
from sqlalchemy import func, select, text

from leadgate.contacts.merge_threads import combine_search_documents
from leadgate.extensions import db
from leadgate.models import Conversation, Message, WebhookEvent
from leadgate.searchdoc import TSVECTOR_BYTES, on_postgresql

from .inbound_support import first_item, post, rows
from .inbox_support import (
    OWNER,
    add_conversations,
    make_team,
    owner_with_payload_channel,
)
from .webhook_fixtures import load_payload, meta_bytes

LISTED = re.compile(r'<li id="conversation-(\d+)"')
MEGABYTE = 1024 * 1024


def word(number: int, length: int = 10) -> str:
    """A distinct word of letters (one token for the parser), two of them umlauts."""
    letters = []
    while number or len(letters) < length - 2:
        number, digit = divmod(number, 26)
        letters.append(string.ascii_lowercase[digit])
    return "wö" + "".join(letters) + "ä"


def distinct_words(characters: int, start: int = 0, length: int = 10) -> str:
    words, size, number = [], 0, start
    while size < characters:
        words.append(word(number, length))
        size += len(words[-1]) + 1
        number += 1
    return " ".join(words)


def texts_payload(*texts: str) -> bytes:
    """One webhook body carrying these texts as messages of one customer."""
    payload = load_payload("text")
    template = first_item(payload, "messages")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] = [
        {**template, "id": f"wamid.bounds-{hash(body)}-{n}", "text": {"body": body}}
        for n, body in enumerate(texts)
    ]
    return meta_bytes(payload)


def deliver(client, key: str, *texts: str) -> None:
    assert post(client, key, texts_payload(*texts)).status_code == 200


def inbox_finds(client, q: str) -> list[int]:
    page = client.get("/inbox", query_string={"q": q, "state": "all"})
    assert page.status_code == 200
    return [int(n) for n in LISTED.findall(page.get_data(as_text=True))]


def document_bytes(app) -> int:
    """The bytes of the (one) conversation's document as text: above its lexemes'."""
    with app.app_context():
        return db.session.scalar(
            select(func.octet_length(Conversation.search_document.cast(db.Text)))
        )


def test_a_megabyte_of_distinct_words_is_stored_and_found(client, app, auth):
    key = owner_with_payload_channel(app)
    flood = distinct_words(MEGABYTE)
    assert len(flood.encode()) > MEGABYTE  # its words alone pass the limit
    deliver(client, key, flood)
    assert rows(app, select(WebhookEvent.state)) == ["processed"]
    assert rows(app, select(func.length(Message.text))) == [len(flood)]
    auth.login(OWNER)
    [conversation_id] = inbox_finds(client, word(0))
    # The conversation's later messages are found too: the flood took no room.
    deliver(client, key, "Haben Sie den Kühlschrank noch?")
    assert inbox_finds(client, "Kühlschrank") == [conversation_id]
    if postgresql(app):
        assert document_bytes(app) < MEGABYTE / 10
        assert inbox_finds(client, flood.split()[-1]) == []  # past the first words


def postgresql(app) -> bool:
    with app.app_context():
        return on_postgresql()


@pytest.fixture
def postgresql_only(app):
    if not postgresql(app):
        pytest.skip("the search document is PostgreSQL's (SQLite searches LIKE)")


def test_a_document_stops_growing_below_the_limit(client, app, auth, postgresql_only):
    key = owner_with_payload_channel(app)
    # Long distinct words (1,000 characters, a lexeme each): 1.2 MB of lexemes
    # over 300 messages, twelve webhooks of 25 messages each.
    long_words = [distinct_words(3900, start=n * 4, length=1000) for n in range(300)]
    for batch in range(12):
        deliver(client, key, *long_words[batch * 25 : batch * 25 + 25])
    assert set(rows(app, select(WebhookEvent.state))) == {"processed"}
    assert rows(app, select(func.count(Message.id))) == [300]
    assert document_bytes(app) < TSVECTOR_BYTES
    # (Searched for directly: the inbox takes queries of 100 characters.)
    [conversation_id] = rows(app, select(Conversation.id))
    assert document_has(app, conversation_id, word(0, 1000))
    # Beyond the cap new words are ignored (searchdoc.py says why).
    assert not document_has(app, conversation_id, long_words[-1].split()[-1])


def set_document(app, conversation_id: int, words: str) -> None:
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE conversation SET search_document ="
                " strip(to_tsvector('simple', :words)) WHERE id = :id"
            ),
            {"words": words, "id": conversation_id},
        )
        db.session.commit()


def document_has(app, conversation_id: int, words: str) -> bool:
    with app.app_context():
        return db.session.scalar(
            select(
                Conversation.search_document.op("@@")(
                    func.plainto_tsquery(text("'simple'"), words)
                )
            ).where(Conversation.id == conversation_id)
        )


@pytest.mark.parametrize("size", (200_000, 600_000))
def test_a_merge_joins_two_documents_only_while_they_fit(app, postgresql_only, size):
    kept, moved = add_conversations(app, make_team(app), 2)
    set_document(app, kept, distinct_words(size, start=0))
    set_document(app, moved, distinct_words(size, start=10**6))
    with app.app_context():
        combine_search_documents(moved, kept)
        db.session.commit()
    assert document_has(app, kept, word(0))
    # Together 1.2 MB would pass the limit: the kept thread keeps its own words.
    assert document_has(app, kept, word(10**6)) == (size == 200_000)
