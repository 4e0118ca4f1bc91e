"""Outbound delivery statuses from webhooks, buffered per drain batch and recorded once.

Status webhooks are three quarters of Meta's traffic, so a drain applies all
statuses of its batch with two executemany statements instead of two per status
(outbound/progress.py moves the messages forward).
"""

from sqlalchemy import bindparam, select, update

from ..costs.capture import PricingBuffer
from ..dbutil import insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import Message, MessageStatus
from ..outbound.progress import advance_many
from ..whatsapp.payloads.statuses import StatusUpdate

messages = Message.__table__


class StatusBuffer:
    """Statuses of one drain batch, written together at the end of the batch."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.callbacks: list[dict] = []
        self.touched: set[tuple[int, int]] = set()  # (workspace, conversation)
        self.pricing = PricingBuffer()  # WhatsApp-Kosten: one insert per batch

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
        self.pricing.add(channel_id, status)
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
        self.pricing.flush()  # after attach_wamids: late wamids find their message
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
