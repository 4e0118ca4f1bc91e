"""Which drain works on which sender: concurrent drains take different senders.

Two drains whose batches share a sender would take turns: the second waits on the
contact's row lock (ContactResolver.lock) or on the other's uncommitted INSERT of
the same new contact until the first commits. With a few thousand senders and
200 events a batch nearly every pair of batches shares one, so a second worker
added little (pg_stat_activity sampled during benchmarks/webhook_ingest.py --mix
inbound: 50 of 270 samples of busy sessions were drains waiting for such a lock;
none with this module).

Each drain therefore first tries a transaction-scoped advisory lock per sender
(its phone number and its BSUID, per workspace) without waiting. Events of
senders another drain holds stay pending for the next batch, by whichever drain
claims it first; their order among themselves does not matter more than it
already does, since Meta does not deliver webhooks in order either. When every
event of a batch is held elsewhere, the drain waits as before rather than spin.
The row locks stay: they are what keeps contacts consistent; this only keeps
drains from queueing behind each other.
"""

import hashlib

from sqlalchemy import text

from ..extensions import db
from . import apply

TRY_LOCKS = text(
    "SELECT key, pg_try_advisory_xact_lock(key) "
    "FROM unnest(CAST(:keys AS bigint[])) AS key"
)


def sender_key(workspace_id: int, identifier: str) -> int:
    """A signed 64-bit advisory lock key for one of a workspace's senders."""
    digest = hashlib.blake2b(
        f"leadgate-sender:{workspace_id}:{identifier}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def keys_of(channel, batch) -> set[int]:
    if channel is None or batch is None:
        return set()
    return {
        sender_key(channel.workspace_id, identifier)
        for sender in apply.own_senders(channel, batch)
        for identifier in (sender.wa_id, sender.bsuid)
        if identifier
    }


def not_busy_elsewhere(parsed: list[tuple]) -> list[tuple]:
    """The (row, channel, batch) entries whose senders no other drain works on.

    Their senders stay locked for this drain until its transaction ends.
    """
    if db.engine.dialect.name != "postgresql":
        return parsed  # SQLite: one writer at a time anyway
    keys = [keys_of(channel, batch) for _, channel, batch in parsed]
    wanted = sorted(set().union(*keys))
    if not wanted:
        return parsed
    held = {
        key for key, locked in db.session.execute(TRY_LOCKS, {"keys": wanted}) if locked
    }
    free = [entry for entry, own in zip(parsed, keys, strict=True) if own <= held]
    return free or parsed
