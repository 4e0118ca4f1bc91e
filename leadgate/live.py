"""Live updates for open inboxes: events per workspace over Redis pub/sub, sent as SSE.

Producers call `publish` after their commit: "list" when a workspace's
conversation list changed, "conversation-<id>" when a thread did. Each browser
holds one Server-Sent Events stream (`/inbox/events`); the htmx SSE extension
turns an event into a refresh of the list or thread, which are rendered by the
normal views — the stream itself carries only names, never message content.

A stream collects events for COALESCE_SECONDS before sending them once each, so
a burst of webhooks costs every browser one refresh, not one per webhook.
In the embedded mode the in-process fakeredis provides the same pub/sub.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator

import redis
from flask import current_app
from sqlalchemy import select

from . import metrics
from .extensions import db
from .models import Conversation
from .queue import redis_connection
from .tenancy import teams_hidden_from

log = logging.getLogger(__name__)

CHANNEL = "leadgate:live:{db}:{workspace_id}"
COALESCE_SECONDS = 0.25
HEARTBEAT_SECONDS = 15  # keeps proxies from closing an idle stream
KEEP_SEEN_SECONDS = 5 * 60  # how often an open stream says its login is in use
RETRY_MS = 3000  # the browser reconnects after a drop


def conversation_event(conversation_id: int) -> str:
    return f"conversation-{conversation_id}"


def presence_event(conversation_id: int) -> str:
    """Someone started or stopped viewing or writing (inbox/presence.py)."""
    return f"presence-{conversation_id}"


def channel_name(connection: redis.Redis, workspace_id: int) -> str:
    """Pub/sub ignores Redis' db number: the channel carries it, so LeadGates (or
    parallel test workers) on other dbs of one Redis server never hear each other."""
    db = connection.connection_pool.connection_kwargs.get("db", 0)
    return CHANNEL.format(db=db, workspace_id=workspace_id)


def publish(workspace_id: int, events: Iterable[str]) -> None:
    """Tell the workspace's open inboxes what changed; never fails the caller."""
    events = sorted(set(events))
    if not events:
        return
    try:
        connection = redis_connection()
        connection.publish(channel_name(connection, workspace_id), json.dumps(events))
    except Exception:  # live updates are a convenience; polling still catches up
        log.warning("Live update for workspace %s not published", workspace_id)


def publish_conversations(changes: Iterable[tuple[int, int]]) -> None:
    """(workspace id, conversation id) pairs: their threads and their lists."""
    by_workspace: dict[int, set[str]] = {}
    for workspace_id, conversation_id in changes:
        events = by_workspace.setdefault(workspace_id, {"list"})
        events.add(conversation_event(conversation_id))
    for workspace_id, events in by_workspace.items():
        publish(workspace_id, events)


class TeamFilter:
    """Leaves out events of conversations an agent's teams may not see (tenancy.py).

    Which teams are hidden is read again every TEAMS_SECONDS, so a team made
    "only the team" stops reaching an open stream within that time; the
    conversations of a batch are looked up only while some team is hidden.
    """

    TEAMS_SECONDS = 30.0

    def __init__(self, app, workspace_id: int, user_id: int | None):
        self.app, self.workspace_id, self.user_id = app, workspace_id, user_id
        self.hidden: frozenset[int] = frozenset()
        self.read_at = float("-inf")

    def __call__(self, events: set[str]) -> set[str]:
        if self.user_id is None:  # owners and admins see every team
            return events
        with self.app.app_context():
            try:
                return self.visible(events)
            finally:
                db.session.remove()  # hold no connection between batches

    def visible(self, events: set[str]) -> set[str]:
        if time.monotonic() - self.read_at >= self.TEAMS_SECONDS:
            self.hidden = teams_hidden_from(self.workspace_id, self.user_id)
            self.read_at = time.monotonic()
        about = {name: conversation_of(name) for name in events}
        ids = {conversation_id for conversation_id in about.values() if conversation_id}
        if not self.hidden or not ids:
            return events
        hidden = set(
            db.session.scalars(
                select(Conversation.id).where(
                    Conversation.id.in_(ids), Conversation.team_id.in_(self.hidden)
                )
            )
        )
        return {name for name, of in about.items() if of not in hidden}


def conversation_of(event: str) -> int | None:
    """The conversation a thread or presence event is about; None for "list"."""
    kind, _, conversation_id = event.partition("-")
    if kind in ("conversation", "presence") and conversation_id.isdigit():
        return int(conversation_id)
    return None


def stream(
    workspace_id: int,
    agent_id: int | None = None,
    keep_seen: Callable[[], None] | None = None,
) -> Iterator[str]:
    """The SSE body for one browser (runs outside any app context).

    agent_id: the signed-in member when they are an agent, whose events are
    limited to the teams they may see; None for owners and admins.
    keep_seen: called (in an app context) every KEEP_SEEN_SECONDS while the
    stream is open: an open window is what keeps an agent "online".
    """
    app = current_app._get_current_object()
    connection = redis_connection(app)
    pubsub = connection.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel_name(connection, workspace_id))
    only_visible = TeamFilter(app, workspace_id, agent_id)

    def body() -> Iterator[str]:
        metrics.SSE_CLIENTS.inc()
        try:
            yield f"retry: {RETRY_MS}\n: connected\n\n"
            last_beat = last_seen = time.monotonic()
            while True:
                if keep_seen is not None and (
                    time.monotonic() - last_seen >= KEEP_SEEN_SECONDS
                ):
                    with app.app_context():
                        keep_seen()
                        db.session.remove()  # no connection held between beats
                    last_seen = time.monotonic()
                message = pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                if message is None:
                    if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                        yield ": ping\n\n"
                        last_beat = time.monotonic()
                    continue
                events = set(json.loads(message["data"]))
                deadline = time.monotonic() + COALESCE_SECONDS
                while (left := deadline - time.monotonic()) > 0:
                    more = pubsub.get_message(timeout=left)
                    if more is not None:
                        events.update(json.loads(more["data"]))
                events = only_visible(events)
                if events:
                    yield "".join(
                        f"event: {name}\ndata: \n\n" for name in sorted(events)
                    )
                    last_beat = time.monotonic()
        finally:
            metrics.SSE_CLIENTS.dec()
            pubsub.close()

    return body()
