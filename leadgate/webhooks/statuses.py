"""Outbound delivery statuses, applied in bulk: recorded once, moved forward only.

Status webhooks are three quarters of Meta's traffic, so a drain applies all
statuses of its batch with two executemany statements instead of two per status.
"""

from sqlalchemy import bindparam, select, update

from ..dbutil import insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import Message, MessageStatus
from ..models.whatsapp import STATUS_RANK
from ..whatsapp.payloads import StatusUpdate
from ..whatsapp.payloads_limits import ERROR_TITLE, error_code, fit

messages = Message.__table__
# What Meta reports; our own states (queued, paused, held, limited) never come
# from a webhook, whatever a body claims.
META_STATUSES = frozenset({"sent", "delivered", "read", "failed", "played"})


class StatusBuffer:
    """Statuses of one drain batch, written together at the end of the batch."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.callbacks: list[dict] = []
        self.touched: set[tuple[int, int]] = set()  # (workspace, conversation)

    def add(self, channel_id: int, status: StatusUpdate) -> None:
        self.rows.append(
            {
                "channel_id": channel_id,
                "wamid": status.wamid,
                "status": status.status,
                "timestamp": status.timestamp,
                "errors": list(status.errors) or None,
                "conversation": status.conversation,
                "pricing": status.pricing,
            }
        )
        message_id = our_message_id(status.callback_data)
        if message_id is not None:
            self.callbacks.append(
                {"b_id": message_id, "b_channel": channel_id, "b_wamid": status.wamid}
            )

    def flush(self) -> list[dict]:
        """Write the statuses; return the failures ({b_channel, b_wamid, b_errors})."""
        if not self.rows:
            return []
        db.session.execute(insert_ignoring_conflicts(MessageStatus), self.rows)
        attach_wamids(self.callbacks)
        failures = advance_many(self.rows)
        self.touched |= conversations_of(self.rows)
        self.rows, self.callbacks = [], []
        return failures


def conversations_of(rows: list[dict]) -> set[tuple[int, int]]:
    """(workspace, conversation) of the messages these statuses are about (ticks)."""
    wamids: dict[int, set[str]] = {}
    for row in rows:
        wamids.setdefault(row["channel_id"], set()).add(row["wamid"])
    found: set[tuple[int, int]] = set()
    for channel_id, of_channel in wamids.items():
        found.update(
            (workspace_id, conversation_id)
            for workspace_id, conversation_id in db.session.execute(
                select(Message.workspace_id, Message.conversation_id).where(
                    Message.channel_id == channel_id, one_of(Message.wamid, of_channel)
                )
            )
        )
    return found


def our_message_id(callback_data: str | None) -> int | None:
    """We send our message id as biz_opaque_callback_data ("lg-<id>")."""
    digits = (callback_data or "").removeprefix("lg-")
    # ASCII only: str.isdigit() also takes "²", which int() refuses. An id
    # beyond BIGINT is none of ours (and no database column could hold it).
    if callback_data != digits and digits.isascii() and digits.isdigit():
        message_id = int(digits)
        return message_id if message_id < 2**63 else None
    return None


def attach_wamids(callbacks: list[dict]) -> None:
    """A send whose answer never came back learns its wamid from the status webhook."""
    if not callbacks:
        return
    db.session.execute(
        update(messages)
        .where(
            messages.c.id == bindparam("b_id"),
            messages.c.channel_id == bindparam("b_channel"),
            messages.c.direction == "out",
            messages.c.wamid.is_(None),
        )
        .values(wamid=bindparam("b_wamid"), sending_since=None),
        callbacks,
    )


def advance_many(rows: list[dict]) -> list[dict]:
    """Move each message to the furthest status seen for it, never backwards.

    Returns the `failed` statuses with errors, for the outbound retry rules.
    """
    best: dict[tuple[int, str], dict] = {}
    for row in rows:
        rank = (
            STATUS_RANK.get(row["status"]) if row["status"] in META_STATUSES else None
        )
        key = (row["channel_id"], row["wamid"])
        if rank is not None and rank > best.get(key, {}).get("b_rank", -1):
            best[key] = {
                "b_channel": row["channel_id"],
                "b_wamid": row["wamid"],
                "b_status": row["status"],
                "b_rank": rank,
                "b_errors": row["errors"],
            }
    if not best:
        return []
    db.session.execute(
        update(messages)
        .where(
            messages.c.channel_id == bindparam("b_channel"),
            messages.c.wamid == bindparam("b_wamid"),
            messages.c.status_rank < bindparam("b_rank"),
        )
        .values(status=bindparam("b_status"), status_rank=bindparam("b_rank")),
        [{k: v for k, v in p.items() if k != "b_errors"} for p in best.values()],
    )
    failures = [p for p in best.values() if p["b_status"] == "failed" and p["b_errors"]]
    if failures:
        db.session.execute(
            update(messages)
            .where(
                messages.c.channel_id == bindparam("b_channel"),
                messages.c.wamid == bindparam("b_wamid"),
                messages.c.status == "failed",
            )
            .values(error_code=bindparam("b_code"), error_title=bindparam("b_title")),
            [
                {
                    "b_channel": p["b_channel"],
                    "b_wamid": p["b_wamid"],
                    # The parser bounds both; statuses recorded before it
                    # did (and replayed from MessageStatus) may not be.
                    "b_code": error_code(p["b_errors"][0].get("code")),
                    "b_title": fit(p["b_errors"][0].get("title"), ERROR_TITLE),
                }
                for p in failures
            ],
        )
    return failures


def apply_recorded_statuses(channel_id: int, wamids: list[str]) -> None:
    """Replay statuses that arrived before their messages had their wamids (sends)."""
    recorded = db.session.scalars(
        select(MessageStatus).where(
            MessageStatus.channel_id == channel_id, one_of(MessageStatus.wamid, wamids)
        )
    )
    advance_many(
        [
            {
                "channel_id": channel_id,
                "wamid": r.wamid,
                "status": r.status,
                "errors": r.errors,
            }
            for r in recorded
        ]
    )
