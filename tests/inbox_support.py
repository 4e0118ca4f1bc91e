"""A workspace with a number, an agent and many conversations, for the inbox tests."""

import contextlib
import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import event

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    Contact,
    Conversation,
    Label,
    Message,
    Role,
    utcnow,
)
from leadgate.searchdoc import add_words

from .support import make_user, workspace_of
from .webhook_fixtures import sign

OWNER, AGENT = "owner@example.com", "agent@example.com"
NUMBERS = itertools.count(1)


@dataclass
class Team:
    workspace_id: int
    channel_id: int
    owner_id: int
    agent_id: int


def make_team(app) -> Team:
    with app.app_context():
        owner = make_user(OWNER, name="Olga Owner")
        workspace = workspace_of(owner)
        agent = make_user(
            AGENT, name="Arne Agent", workspace=workspace, role=Role.AGENT
        )
        channel = create_channel(
            workspace,
            name="Vertrieb",
            phone_number_id="3000000001",
            waba_id="3000000002",
            access_token="token",
            app_secret="secret",
        )
        db.session.commit()
        return Team(workspace.id, channel.id, owner.id, agent.id)


def add_conversations(
    app,
    team: Team,
    count: int,
    name: str = "Kontakt",
    text: str = "Nachricht",
    **fields,
) -> list[int]:
    """`count` conversations, the first the most recent; each with one inbound text."""
    now = utcnow()
    ids = []
    with app.app_context():
        for n in range(count):
            contact = Contact(
                workspace_id=team.workspace_id,
                wa_id=f"4917{next(NUMBERS):08d}",
                profile_name=f"{name} {n:03d}",
            )
            db.session.add(contact)
            db.session.flush()
            at = now - timedelta(minutes=n)
            conversation = Conversation(
                workspace_id=team.workspace_id,
                channel_id=team.channel_id,
                contact_id=contact.id,
                last_activity_at=at,
                last_message_preview=f"{text} {n}",
                last_message_type="text",
                inbound_count=1,
                **fields,
            )
            db.session.add(conversation)
            db.session.flush()
            inbound_text(team, conversation, f"{text} {n}", at)
            ids.append(conversation.id)
        db.session.commit()
    return ids


def add_label(app, team: Team, name: str) -> int:
    with app.app_context():
        label = Label(workspace_id=team.workspace_id, name=name)
        db.session.add(label)
        db.session.commit()
        return label.id


@contextlib.contextmanager
def counted_queries(app):
    """Count the SQL statements sent while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# The number and secret the sample payloads in tests/payloads/ are signed for.
PAYLOAD_PHONE_NUMBER_ID = "106540352242922"
PAYLOAD_APP_SECRET = "app-secret-for-tests"


def owner_with_payload_channel(app) -> str:
    """The owner with the sample payloads' number connected; returns its webhook key."""
    with app.app_context():
        channel = create_channel(
            workspace_of(make_user(OWNER)),
            name="Vertrieb",
            phone_number_id=PAYLOAD_PHONE_NUMBER_ID,
            waba_id="102290129340398",
            access_token="token",
            app_secret=PAYLOAD_APP_SECRET,
        )
        db.session.commit()
        return channel.key


def post_signed(client, key: str, body: bytes) -> None:
    response = client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, PAYLOAD_APP_SECRET),
        },
        csrf=False,
    )
    assert response.status_code == 200


def add_contact_conversation(
    app, team, e164: str, name: str | None = None, text: str | None = None
) -> tuple[int, int]:
    """A contact with the number as ingest and import store it, and its conversation.

    With a text, the contact wrote it (a message, and its words in the search
    document as ingest adds them). Returns (contact id, conversation id).
    """
    with app.app_context():
        contact = Contact(
            workspace_id=team.workspace_id,
            wa_id=e164.removeprefix("+"),
            phone_e164=e164,
            profile_name=name,
            attributes={},
        )
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            contact_id=contact.id,
        )
        db.session.add(conversation)
        db.session.flush()
        if text is not None:
            inbound_text(team, conversation, text, utcnow())
        db.session.commit()
        return contact.id, conversation.id


def inbound_text(team, conversation, text: str, at) -> None:
    """The contact's text in the conversation, findable as ingest makes it."""
    db.session.add(
        Message(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            direction="in",
            wamid=f"wamid.{conversation.id}",
            type="text",
            text=text,
            sent_at=at,
        )
    )
    add_words(conversation, text)
