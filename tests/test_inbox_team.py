"""Team work on a conversation: assign, state, snooze, labels, notes, the timeline."""

from datetime import timedelta

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.inbox.team import wake_snoozed
from leadgate.models import Conversation, ConversationLabel, Message, utcnow

from .inbox_support import AGENT, OWNER, add_conversations, add_label, make_team
from .support import make_user


def conversation(app, conversation_id: int) -> Conversation:
    with app.app_context():
        found = db.session.get(Conversation, conversation_id)
        db.session.expunge(found)
        return found


def timeline(client, conversation_id: int) -> str:
    return client.get(f"/inbox/{conversation_id}").get_data(as_text=True)


def test_assigning_is_one_click_and_shows_in_the_timeline(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    response = client.post(f"/inbox/{cid}/assign", data={"assignee": "me"})
    assert response.status_code == 303
    assert conversation(app, cid).assignee_id == team.owner_id
    client.post(f"/inbox/{cid}/assign", data={"assignee": str(team.agent_id)})
    assert conversation(app, cid).assignee_id == team.agent_id
    client.post(f"/inbox/{cid}/assign", data={"assignee": ""})
    assert conversation(app, cid).assignee_id is None
    page = timeline(client, cid)
    assert "Olga Owner hat sich das Gespräch zugewiesen" in page
    assert "Olga Owner hat das Gespräch Arne Agent zugewiesen" in page
    assert "Olga Owner hat die Zuweisung aufgehoben" in page


def test_only_members_of_the_workspace_can_be_assigned(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    with app.app_context():
        stranger = make_user("stranger@example.com", name="Fremde Person").id
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/assign", data={"assignee": str(stranger)})
    assert conversation(app, cid).assignee_id is None
    assert "gehört nicht zum Team" in timeline(client, cid)
    assert "Fremde Person" not in client.get("/inbox").get_data(as_text=True)


def test_state_changes_move_the_conversation_between_the_lists(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/state", data={"state": "resolved"})
    assert conversation(app, cid).state == "resolved"
    assert f"conversation-{cid}" not in client.get("/inbox").get_data(as_text=True)
    resolved = client.get("/inbox?state=resolved").get_data(as_text=True)
    assert f"conversation-{cid}" in resolved
    client.post(f"/inbox/{cid}/state", data={"state": "snoozed"})  # needs a time
    client.post(f"/inbox/{cid}/state", data={"state": "bogus"})
    assert conversation(app, cid).state == "resolved"
    client.post(f"/inbox/{cid}/state", data={"state": "open"})
    page = timeline(client, cid)
    assert "hat das Gespräch erledigt" in page and "wieder geöffnet" in page


def test_snoozed_conversations_wake_up_when_their_time_comes(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/snooze", data={"preset": "1h"})
    snoozed = conversation(app, cid)
    assert snoozed.state == "snoozed"
    left = snoozed.snoozed_until.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
    with app.app_context():
        assert wake_snoozed() == 0  # not yet
        db.session.execute(
            update(Conversation).values(snoozed_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert wake_snoozed() == 1
    assert conversation(app, cid).state == "open"
    assert "Zurückstellung abgelaufen" in timeline(client, cid)


def test_a_snooze_needs_a_time_in_the_future(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/snooze", data={"until": "2020-01-01T09:00"})
    client.post(f"/inbox/{cid}/snooze", data={"until": "kein Datum"})
    assert conversation(app, cid).state == "open"
    client.post(f"/inbox/{cid}/snooze", data={"until": "2099-01-01T09:00"})
    assert conversation(app, cid).state == "snoozed"


def test_labels_are_added_and_removed_once(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    label = add_label(app, team, "Bewerbung")
    auth.login(OWNER)
    for _ in range(2):  # twice: still one label, one event
        client.post(f"/inbox/{cid}/labels", data={"label_id": str(label)})
    with app.app_context():
        assert db.session.scalars(select(ConversationLabel)).all() != []
    page = timeline(client, cid)
    assert page.count("hat das Label „Bewerbung“ hinzugefügt") == 1
    client.post(f"/inbox/{cid}/labels/{label}/remove")
    with app.app_context():
        assert db.session.scalars(select(ConversationLabel)).all() == []
    assert "hat das Label „Bewerbung“ entfernt" in timeline(client, cid)


def test_private_notes_stay_in_the_team(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/notes", data={"note": "Kunde will *Rabatt*"})
    client.post(f"/inbox/{cid}/notes", data={"note": "   "})  # refused: empty
    with app.app_context():
        [note] = db.session.scalars(
            select(Message).where(Message.direction == "note")
        ).all()
        assert (note.text, note.author_id) == ("Kunde will *Rabatt*", team.owner_id)
    page = timeline(client, cid)
    assert "Interne Notiz von Olga Owner" in page
    assert "Kunde will <strong>Rabatt</strong>" in page
    assert "Bitte einen Text für die Notiz eingeben." in page
    # The list keeps the customer's last message, not the note.
    assert "Nachricht 0" in client.get("/inbox").get_data(as_text=True)


def test_message_text_is_escaped_formatted_and_links_are_safe(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    with app.app_context():
        db.session.execute(
            update(Message).values(
                text="<img src=x onerror=alert(1)> *fett* _kursiv_ ~weg~ "
                "```code``` https://example.com/a?b=1&c=2."
            )
        )
        db.session.commit()
    auth.login(OWNER)
    page = timeline(client, cid)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<strong>fett</strong> <em>kursiv</em> <s>weg</s> <code>code</code>" in page
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"'
        in page
    )


def test_agents_see_who_else_is_viewing_or_writing(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.get(f"/inbox/{cid}")  # the owner opens it
    assert "sieht sich das Gespräch an" not in timeline(client, cid)  # not oneself
    auth.logout()
    auth.login(AGENT)
    page = client.get(f"/inbox/{cid}/presence").get_data(as_text=True)
    assert "Olga Owner sieht sich das Gespräch an" in page
    auth.logout()
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/presence", data={"state": "writing"})
    client.post(f"/inbox/{cid}/presence", data={"state": "viewing"})  # a heartbeat
    auth.logout()
    auth.login(AGENT)
    page = client.get(f"/inbox/{cid}/presence").get_data(as_text=True)
    assert "Olga Owner schreibt gerade" in page


def test_an_objection_stops_sending_and_shows_in_the_timeline(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/objection")
    client.post(f"/inbox/{cid}/objection")  # once is enough
    page = timeline(client, cid)
    assert page.count("Der Kontakt hat der Verarbeitung widersprochen") == 1
    assert "Hat der Verarbeitung widersprochen" in page  # the contact panel
    assert 'name="text"' not in page  # the composer gives the reason instead
    response = client.post(f"/inbox/{cid}/messages", data={"text": "Hallo?"})
    assert response.status_code == 303
    with app.app_context():
        sent = db.session.scalars(
            select(Message).where(Message.direction == "out")
        ).all()
    assert sent == []


def test_restriction_blocks_sending_shows_a_banner_and_lifting_is_recorded(
    client, auth, app
):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/restrict", data={"reason": "  "})  # a reason is needed
    assert "Bitte den Grund der Einschränkung angeben." in timeline(client, cid)
    client.post(f"/inbox/{cid}/restrict", data={"reason": "Richtigkeit bestritten"})
    page = timeline(client, cid)
    assert "Verarbeitung eingeschränkt seit" in page
    assert "Grund: Richtigkeit bestritten" in page
    assert (
        "Olga Owner hat die Verarbeitung eingeschränkt: Richtigkeit bestritten" in page
    )
    assert 'name="text"' not in page  # nothing can be sent
    client.post(f"/inbox/{cid}/messages", data={"text": "Hallo?"})
    with app.app_context():
        assert (
            db.session.scalars(select(Message).where(Message.direction == "out")).all()
            == []
        )
    client.post(f"/inbox/{cid}/lift-restriction")
    page = timeline(client, cid)
    assert "Olga Owner hat die Einschränkung der Verarbeitung aufgehoben" in page
    assert "Verarbeitung eingeschränkt seit" not in page
    with app.app_context():
        contact = db.session.get(Conversation, cid).contact
        assert (contact.restricted_at, contact.restricted_reason) == (None, None)
