"""Live updates: webhooks, sends and team actions reach open inboxes as SSE events."""

import re

from sqlalchemy import select

from leadgate import live
from leadgate.extensions import db
from leadgate.models import Conversation

from .inbox_support import (
    OWNER,
    add_conversations,
    make_team,
    owner_with_payload_channel,
    post_signed,
)
from .support import make_user, workspace_of
from .webhook_fixtures import payload_bytes

EVENT = re.compile(r"^event: (\S+)$", re.MULTILINE)


def open_stream(client):
    response = client.get("/inbox/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert next(chunks).startswith(b"retry: ")  # subscribed before anything happens
    return response, chunks


def next_events(chunks) -> set[str]:
    return set(EVENT.findall(next(chunks).decode()))


def test_a_team_action_reaches_the_workspace_stream(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    response, chunks = open_stream(client)
    client.post(f"/inbox/{cid}/assign", data={"assignee": "me"})
    assert next_events(chunks) == {"list", f"conversation-{cid}"}
    response.close()


def test_an_inbound_webhook_reaches_the_stream_with_its_conversation(client, auth, app):
    key = owner_with_payload_channel(app)
    auth.login(OWNER)
    response, chunks = open_stream(client)
    post_signed(client, key, payload_bytes("text"))
    with app.app_context():
        [cid] = db.session.scalars(select(Conversation.id)).all()
    assert next_events(chunks) == {"list", f"conversation-{cid}"}
    response.close()


def test_other_workspaces_hear_nothing(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    with app.app_context():
        other_workspace = workspace_of(make_user("other@example.com")).id
    auth.login("other@example.com")
    response, chunks = open_stream(client)
    with app.app_context():
        live.publish_conversations([(team.workspace_id, cid)])  # not theirs
        live.publish(other_workspace, ["list"])
    # Had the foreign events arrived, they would be in this (coalesced) chunk.
    assert next_events(chunks) == {"list"}
    response.close()


def test_the_inbox_page_listens_and_refreshes_on_events(client, auth, app):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    page = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert 'sse-connect="/inbox/events"' in page
    assert 'hx-trigger="sse:list, refresh, every 60s"' in page
    assert (
        f'hx-trigger="sse:conversation-{cid}, refresh, message-queued from:body, '
        'every 60s"' in page
    )


def test_an_open_stream_keeps_its_login_seen(client, auth, app, monkeypatch):
    """The open inbox window is what keeps an agent "online" (auth/sessions.py
    PRESENCE_LIMIT): its stream notes the login as in use while it runs."""
    from datetime import timedelta

    from sqlalchemy import update

    from leadgate.models import LoginSession, utcnow

    make_team(app)
    auth.login(OWNER)
    monkeypatch.setattr(live, "KEEP_SEEN_SECONDS", 0)  # every beat, not every 5 min
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)
    response, chunks = open_stream(client)
    long_ago = utcnow() - timedelta(hours=1)
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=long_ago))
        db.session.commit()
    assert next(chunks) == b": ping\n\n"
    with app.app_context():
        [seen] = db.session.scalars(select(LoginSession.last_seen_at)).all()
    assert utcnow() - seen.replace(tzinfo=long_ago.tzinfo) < timedelta(minutes=1)
    response.close()
