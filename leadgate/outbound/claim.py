"""Claim due messages for sending: queued → sending in one conditional UPDATE.

Two jobs (or a job and the sweeper's copy) never both send one message, and a
message with a wamid is never sent again; each claimed message gets its
SendAttempt row and a ready-to-send job for sender.py.
"""

from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update

from ..dbutil import one_of
from ..extensions import db
from ..files import clean_filename
from ..media import media_path
from ..models import Contact, Message, SendAttempt, utcnow
from ..models.message_state import MessageState, columns
from . import sender


def is_due(now: datetime):
    return Message.next_attempt_at.is_(None) | (Message.next_attempt_at <= now)


def claim(starts: dict[int, float]) -> list[sender.SendJob]:
    """queued → sending for those no other job took meanwhile, with their attempts."""
    if not starts:
        return []
    now = utcnow()
    claimed = db.session.scalars(
        update(Message)
        .where(
            one_of(Message.id, list(starts)),
            Message.status == MessageState.QUEUED,
            Message.wamid.is_(None),
            is_due(now),
        )
        .values(
            **columns(MessageState.SENDING, MessageState.QUEUED),
            attempts=Message.attempts + 1,
            sending_since=now,
            next_attempt_at=None,
        )
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    rows = db.session.execute(
        select(Message, Contact.wa_id, Contact.bsuid)
        .join(Contact, Contact.id == Message.contact_id)
        .where(one_of(Message.id, claimed))
        .execution_options(populate_existing=True)
    ).all()
    attempts = [
        SendAttempt(
            message_id=message.id,
            number=message.attempts,
            started_at=now,
            manual=bool((message.details or {}).get("manual_resend")),
        )
        for message, _, _ in rows
    ]
    db.session.add_all(attempts)
    db.session.flush()
    jobs = [
        sender.SendJob(
            message_id=message.id,
            conversation_id=message.conversation_id,
            attempt_id=attempt.id,
            payload=sender.payload(message, wa_id, bsuid),
            starts_at=starts[message.id],
            upload=stored_copy(message),
        )
        for (message, wa_id, bsuid), attempt in zip(rows, attempts, strict=True)
    ]
    return sorted(jobs, key=lambda job: job.starts_at)


def unclaim():
    """UPDATE: sending → queued for claims whose requests never left.

    The inverse of claim: the attempt does not count. Callers add which messages
    (answers.give_back: a batch the pace stopped; recovery.give_back_unsent: a
    dead worker's claims).
    """
    messages = cast(Table, Message.__table__)
    return (
        update(messages)
        .where(
            messages.c.status == MessageState.SENDING,
            messages.c.wamid.is_(None),
        )
        .values(
            **columns(MessageState.QUEUED, MessageState.SENDING),
            attempts=messages.c.attempts - 1,
            sending_since=None,
        )
    )


def stored_copy(message: Message) -> sender.Upload | None:
    """Our copy of an attachment (or a template's header file) still to upload."""
    if not message.media_sha256 or message.media_id:
        return None
    return sender.Upload(
        media_path(message.media_sha256),
        message.media_mime_type,
        clean_filename(message.media_filename, f"{message.type}-{message.id}"),
    )
