"""A contact with everything a contact can have, to erase; and table introspection."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.inbox.team import record_event
from leadgate.media import media_path, store_bytes
from leadgate.models import (
    Contact,
    ContactLabel,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    LeadForm,
    LeadSubmission,
    Message,
    MessageStatus,
    Reaction,
    SendAttempt,
    User,
    utcnow,
)

LENA_ONLY = b"\x89PNG lena's CV, only hers"
SHARED = b"%PDF the price list every contact gets"


@dataclass
class Person:
    contact_id: int
    conversation_ids: list[int] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    wamids: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256


def tables_pointing_at(name: str):
    """(table, column) of every column with a foreign key to `name`.id."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == name
    ]


def rows_pointing_at(name: str, ids: list[int]) -> dict[str, int]:
    """Rows left in any table that point at these rows of `name`, by table.column."""
    left = {}
    for table, column in tables_pointing_at(name):
        count = db.session.scalar(
            select(func.count()).select_from(table).where(column.in_(ids))
        )
        if count:
            left[f"{table.name}.{column.name}"] = count
    return left


def workspace_rows(workspace_id: int) -> dict[str, int]:
    """Rows with this workspace_id, by table (every table that has the column)."""
    found = {}
    for table in db.metadata.sorted_tables:
        column = table.columns.get("workspace_id")
        if column is None:
            continue
        count = db.session.scalar(
            select(func.count()).select_from(table).where(column == workspace_id)
        )
        if count:
            found[table.name] = count
    return found


def second_channel(workspace_id: int, phone_number_id: str = "3000000011") -> int:
    from leadgate.models import Workspace

    channel = create_channel(
        db.session.get(Workspace, workspace_id),
        name="Recruiting",
        phone_number_id=phone_number_id,
        waba_id="3000000002",
        access_token="token",
        app_secret="secret",
    )
    db.session.flush()
    return channel.id


class Thread:
    def __init__(self, person: Person, contact: Contact, channel_id: int):
        self.person, self.at = person, utcnow() - timedelta(hours=2)
        self.conversation = Conversation(
            workspace_id=contact.workspace_id,
            channel_id=channel_id,
            contact_id=contact.id,
        )
        db.session.add(self.conversation)
        db.session.flush()
        person.conversation_ids.append(self.conversation.id)

    def add(self, **fields) -> Message:
        self.at += timedelta(minutes=1)
        fields.setdefault("direction", "in")
        fields.setdefault("type", "text")
        message = Message.of(self.conversation, sent_at=self.at, **fields)
        db.session.add(message)
        db.session.flush()
        self.person.message_ids.append(message.id)
        if message.wamid:
            self.person.wamids.append(message.wamid)
        return message


def lena(workspace_id: int, channel_id: int, owner_id: int, opted_out=True) -> Person:
    """A contact with conversations on two numbers, files, notes, events, proof …"""
    contact = Contact(
        workspace_id=workspace_id,
        wa_id="491701234567",
        phone_e164="+491701234567",
        bsuid="DE.7777",
        name="Lena Berg",
        email="lena@example.com",
        attributes={"stelle": "Einkauf"},
    )
    db.session.add(contact)
    db.session.flush()
    person = Person(contact.id)
    owner = db.session.get(User, owner_id)
    sales = Thread(person, contact, channel_id)
    add_sales_thread(sales, contact, owner, person)
    recruiting = Thread(person, contact, second_channel(workspace_id))
    recruiting.add(wamid="wamid.lena.r1", text="Bewerbung als Fahrerin")
    add_proof(contact, sales.conversation, owner, opted_out)
    db.session.commit()
    return person


def add_sales_thread(thread: Thread, contact: Contact, owner: User, person: Person):
    hers, shared = store_bytes(LENA_ONLY), store_bytes(SHARED)
    person.files = {"hers": hers, "shared": shared}
    thread.add(wamid="wamid.lena.1", text="Hallo, ich habe Interesse")
    thread.add(
        wamid="wamid.lena.2", type="image", media_sha256=hers, media_state="stored"
    )
    ours = thread.add(
        direction="out",
        wamid="wamid.lena.3",
        type="document",
        media_sha256=shared,
        media_state="stored",
        status="read",
        author_id=owner.id,
    )
    db.session.add(SendAttempt(message_id=ours.id, number=1, started_at=thread.at))
    for status in ("sent", "read"):
        db.session.add(
            MessageStatus(
                channel_id=ours.channel_id,
                wamid=ours.wamid,
                status=status,
                timestamp=thread.at,
            )
        )
    db.session.add(
        Reaction(
            channel_id=ours.channel_id,
            contact_id=contact.id,
            target_wamid=ours.wamid,
            emoji="👍",
            reacted_at=thread.at,
        )
    )
    thread.add(direction="note", type="note", text="Rückruf Dienstag", author=owner)
    event = record_event(
        thread.conversation, owner, "snoozed", until="2026-12-01T09:00:00+00:00"
    )
    db.session.flush()
    person.message_ids.append(event.id)
    label = Label(workspace_id=contact.workspace_id, name="VIP")
    db.session.add(label)
    db.session.flush()
    db.session.add(ContactLabel(contact_id=contact.id, label_id=label.id))
    db.session.add(
        ConversationLabel(conversation_id=thread.conversation.id, label_id=label.id)
    )
    db.session.add(
        ConversationRead(conversation_id=thread.conversation.id, user_id=owner.id)
    )


def add_proof(contact: Contact, conversation: Conversation, owner, opted_out: bool):
    form = LeadForm(
        workspace_id=contact.workspace_id,
        channel_id=conversation.channel_id,
        slug=f"messe-{contact.id}",
        name="Messe 2026",
    )
    db.session.add(form)
    db.session.flush()
    submission = LeadSubmission(
        workspace_id=contact.workspace_id,
        form_id=form.id,
        contact_id=contact.id,
        data={"name": "Lena Berg"},
        consent_given=True,
        consent_text="Ich bin einverstanden.",
    )
    db.session.add(submission)
    db.session.flush()
    conversation.lead_submission_id = submission.id
    ledger.record(contact, ledger.MARKETING, "opt_in", "lead_form", "Ja.")
    if opted_out:
        ledger.record(contact, ledger.MARKETING, "opt_out", "agent", "Tel.", by=owner)


def otto(workspace_id: int, channel_id: int, shared_sha256: str) -> Person:
    """Another contact whose message names the same (shared) file."""
    contact = Contact(workspace_id=workspace_id, wa_id="491709999999", name="Otto")
    db.session.add(contact)
    db.session.flush()
    person = Person(contact.id)
    thread = Thread(person, contact, channel_id)
    thread.add(
        direction="out",
        wamid="wamid.otto.1",
        type="document",
        media_sha256=shared_sha256,
        media_state="stored",
    )
    thread.add(wamid="wamid.otto.2", text="Danke!")
    db.session.commit()
    return person


def file_exists(app, sha256: str) -> bool:
    with app.app_context():
        return media_path(sha256).exists()
