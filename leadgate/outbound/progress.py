"""Meta's word on sent messages, applied in bulk and only forward.

Used by the status webhooks (webhooks/statuses.py) and by the send job, whose
answer may arrive after a status webhook for the same message (answers.record).
The rule (which states, which ranks) is the state machine's (message_state.py).
"""

from sqlalchemy import bindparam, select, update

from ..dbutil import one_of
from ..extensions import db
from ..models import Message, MessageStatus
from ..models.message_state import META_REPORTED, RANK, moves_forward
from ..whatsapp.payloads.limits import ERROR_TITLE, error_code, fit

messages = Message.__table__


def advance_many(rows: list[dict]) -> list[dict]:
    """Move each message to the furthest status seen for it, never backwards.

    Returns the `failed` statuses with errors, for the outbound retry rules.
    """
    best: dict[tuple[int, str], dict] = {}
    for row in rows:
        rank = RANK[row["status"]] if row["status"] in META_REPORTED else None
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
            moves_forward(
                messages.c.status, messages.c.status_rank, bindparam("b_rank")
            ),
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
