"""After a merge the person has one conversation per business number, nothing lost."""

from datetime import timedelta

from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    Contact,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    Message,
    Workspace,
    utcnow,
)
from leadgate.searchdoc import add_words, on_postgresql

from .erasure_support import rows_pointing_at
from .inbox_support import OWNER, add_label, make_team
from .test_contact_merge import contact_tables

START = utcnow() - timedelta(hours=3)


def thread(workspace_id, channel_id, contact, texts, **fields) -> Conversation:
    """A conversation with messages (direction, minutes after START, text)."""
    conversation = Conversation(
        workspace_id=workspace_id,
        channel_id=channel_id,
        contact_id=contact.id,
        created_at=START,
        **fields,
    )
    db.session.add(conversation)
    db.session.flush()
    for direction, minutes, text in texts:
        db.session.add(
            Message.of(
                conversation,
                direction=direction,
                wamid=f"wamid.{text}" if direction in ("in", "out") else None,
                type=direction if direction in ("note", "event") else "text",
                text=text,
                sent_at=START + timedelta(minutes=minutes),
            )
        )
    add_words(conversation, *(text for _, _, text in texts))
    return conversation


def one_person_twice(app, team) -> dict:
    """Two contacts of one person, each with a thread on the same number."""
    vip, hot = add_label(app, team, "VIP"), add_label(app, team, "Heiß")
    with app.app_context():
        other_number = create_channel(
            db.session.get(Workspace, team.workspace_id),
            name="Recruiting",
            phone_number_id="3000000009",
            waba_id="3000000002",
            access_token="token",
            app_secret="secret",
        )
        kept = Contact(
            workspace_id=team.workspace_id,
            wa_id="491701234567",
            phone_e164="+491701234567",
            name="Lena Berg",
        )
        other = Contact(
            workspace_id=team.workspace_id,
            bsuid="DE.555",
            username="lena",
            phone_e164="+491701234567",
        )
        db.session.add_all([kept, other])
        db.session.flush()
        ours = thread(
            team.workspace_id,
            team.channel_id,
            kept,
            [("in", 0, "Erste"), ("out", 20, "Dritte")],
            state="resolved",
            inbound_count=1,
            last_activity_at=START + timedelta(minutes=20),
            last_message_preview="Dritte",
        )
        theirs = thread(
            team.workspace_id,
            team.channel_id,
            other,
            [("in", 10, "Zweite Lieferadresse"), ("note", 30, "Vierte")],
            state="open",
            assignee_id=team.agent_id,
            unread_count=2,
            inbound_count=2,
            last_activity_at=START + timedelta(minutes=30),
            last_message_preview="Vierte",
        )
        elsewhere = thread(
            team.workspace_id, other_number.id, other, [("in", 5, "Andere Nummer")]
        )
        db.session.add_all(
            [
                ConversationLabel(conversation_id=ours.id, label_id=vip),
                ConversationLabel(conversation_id=theirs.id, label_id=vip),
                ConversationLabel(conversation_id=theirs.id, label_id=hot),
                ConversationRead(
                    conversation_id=ours.id, user_id=team.owner_id, inbound_seen=1
                ),
                ConversationRead(
                    conversation_id=theirs.id, user_id=team.agent_id, inbound_seen=1
                ),
            ]
        )
        db.session.commit()
        return {
            "kept": kept.id,
            "other": other.id,
            "ours": ours.id,
            "theirs": theirs.id,
            "elsewhere": elsewhere.id,
        }


def unread_for(conversation: Conversation, user_id: int) -> int:
    seen = db.session.scalar(
        select(ConversationRead.inbound_seen).where(
            ConversationRead.conversation_id == conversation.id,
            ConversationRead.user_id == user_id,
        )
    )
    return conversation.inbound_count - (seen or 0)


def test_conversations_on_the_same_number_become_one(app, client, auth):
    team = make_team(app)
    ids = one_person_twice(app, team)
    with app.app_context():
        ours = db.session.get(Conversation, ids["ours"])
        theirs = db.session.get(Conversation, ids["theirs"])
        unread_before = {
            user: unread_for(ours, user) + unread_for(theirs, user)
            for user in (team.owner_id, team.agent_id)
        }
    auth.login(OWNER)

    response = client.post(f"/contacts/{ids['kept']}/merge/{ids['other']}")

    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Conversation, ids["theirs"]) is None
        # Nothing points at the folded conversation or the merged contact.
        assert rows_pointing_at("conversation", [ids["theirs"]]) == {}
        for table, column in contact_tables():
            left = db.session.scalar(
                select(func.count()).select_from(table).where(column == ids["other"])
            )
            assert left == 0, f"{table.name}.{column.name} still points at it"
        conversations = db.session.scalars(
            select(Conversation).order_by(Conversation.id)
        ).all()
        assert [(c.id, c.contact_id) for c in conversations] == [
            (ids["ours"], ids["kept"]),
            (ids["elsewhere"], ids["kept"]),  # another number: its own thread
        ]
        merged = conversations[0]
        texts = db.session.scalars(
            select(Message.text)
            .where(Message.conversation_id == merged.id)
            .order_by(Message.sent_at, Message.id)
        ).all()
        assert texts == ["Erste", "Zweite Lieferadresse", "Dritte", "Vierte"]
        assert db.session.scalar(select(func.count(Message.id))) == 5  # none lost
        labels = db.session.scalars(
            select(Label.name)
            .join(ConversationLabel, ConversationLabel.label_id == Label.id)
            .where(ConversationLabel.conversation_id == merged.id)
            .order_by(Label.name)
        ).all()
        assert labels == ["Heiß", "VIP"]
        # Still open work, still assigned; counters add up per agent.
        assert (merged.state, merged.assignee_id) == ("open", team.agent_id)
        assert (merged.unread_count, merged.inbound_count) == (2, 3)
        assert merged.last_message_preview == "Vierte"
        assert {
            user: unread_for(merged, user) for user in (team.owner_id, team.agent_id)
        } == unread_before
        if on_postgresql():
            document = db.session.scalar(
                select(func.cast(Conversation.search_document, db.Text)).where(
                    Conversation.id == merged.id
                )
            )
            assert "'lieferadresse'" in document and "'erste'" in document
    page = client.get(f"/inbox/{ids['ours']}", headers={"HX-Request": "true"})
    page = page.get_data(as_text=True)  # the thread alone
    positions = [page.index(text) for text in ("Erste", "Zweite", "Dritte", "Vierte")]
    assert positions == sorted(positions)  # the thread shows them by time


def test_without_a_thread_of_the_kept_contact_the_latest_takes_the_others(
    app, client, auth
):
    team = make_team(app)
    with app.app_context():
        kept = Contact(workspace_id=team.workspace_id, wa_id="491701111111")
        other = Contact(
            workspace_id=team.workspace_id, bsuid="DE.1", phone_e164="+491701111111"
        )
        db.session.add_all([kept, other])
        db.session.flush()
        older = thread(
            team.workspace_id,
            team.channel_id,
            other,
            [("in", 0, "Alt")],
            state="resolved",
        )
        newer = thread(team.workspace_id, team.channel_id, other, [("in", 9, "Neu")])
        db.session.commit()
        kept_id, other_id, older_id, newer_id = kept.id, other.id, older.id, newer.id
    auth.login(OWNER)
    assert client.post(f"/contacts/{kept_id}/merge/{other_id}").status_code == 303
    with app.app_context():
        (left,) = db.session.scalars(select(Conversation)).all()
        assert (left.id, left.contact_id) == (newer_id, kept_id)
        assert db.session.get(Conversation, older_id) is None
        assert db.session.scalars(
            select(Message.text).order_by(Message.sent_at)
        ).all() == ["Alt", "Neu"]
