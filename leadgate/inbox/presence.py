"""Who else has a conversation open, and who is writing, so two agents do not both answer.

Kept in Redis (shared by all web nodes; the in-process fakeredis in the embedded
mode): one hash per conversation, a field per agent with their state and when it
lapses. A tab reports "viewing" every PRESENCE_BEAT seconds and "writing" while
its composer is typed into; a closed tab simply stops reporting. Only a change
(someone new, or viewing ↔ writing) is published to the live stream.
"""

import json
import time

from .. import live
from ..queue import redis_connection

KEY = "leadgate:presence:{}"
VIEWING_SECONDS = 45  # three missed beats of 15 s
WRITING_SECONDS = 8
STATES = {"viewing": VIEWING_SECONDS, "writing": WRITING_SECONDS}


def report(conversation, user, state: str) -> None:
    """Record the agent's state in the conversation; tell the others if it changed."""
    if mark(conversation.id, user.id, user.name, state):
        live.publish(conversation.workspace_id, [live.presence_event(conversation.id)])


def mark(conversation_id: int, user_id: int, name: str, state: str) -> bool:
    """Record the agent's state; True if the others should hear about it."""
    key, now = KEY.format(conversation_id), time.time()
    connection = redis_connection()
    before = _current(connection.hget(key, str(user_id)), now)
    if state == "viewing" and before is not None and before["state"] == "writing":
        return False  # a heartbeat does not cut short the writing it overlaps
    entry = {"name": name, "state": state, "until": now + STATES[state]}
    pipeline = connection.pipeline()
    pipeline.hset(key, str(user_id), json.dumps(entry))
    pipeline.expire(key, VIEWING_SECONDS)
    pipeline.execute()
    return before is None or before["state"] != state


def others(conversation_id: int, user_id: int) -> list[dict]:
    """The other agents here now, writers first."""
    now = time.time()
    found = []
    for field, raw in redis_connection().hgetall(KEY.format(conversation_id)).items():
        entry = _current(raw, now)
        if entry is not None and int(field) != user_id:
            found.append(entry)
    return sorted(found, key=lambda e: (e["state"] != "writing", e["name"]))


def _current(raw, now: float) -> dict | None:
    if raw is None:
        return None
    entry = json.loads(raw)
    return entry if entry["until"] > now else None
