"""Inbound media: fetch from the Graph API, check, store by SHA-256 under MEDIA_DIR.

A temporary Graph error raises, and RQ runs the job again by retry.MEDIA_DOWNLOAD;
`download_failed` (the job's on_failure) marks the media failed once no retry is
left, so the thread says "could not be loaded" instead of waiting for ever.
"""

import hashlib
import logging
import uuid
from pathlib import Path

from flask import current_app
from rq import Callback

from . import live, metrics, retry
from .extensions import db
from .models import Channel, Message
from .queue import get_queue
from .whatsapp.channels import client_for
from .whatsapp.client import WhatsAppError
from .whatsapp.payloads.limits import MIME_TYPE, fit

log = logging.getLogger(__name__)

MB = 1024 * 1024
# Meta's limits per type (cloudapi.md): anything larger or of another kind is refused.
LIMITS = {
    "image": (5 * MB, ("image/jpeg", "image/png", "image/webp")),
    "sticker": (MB, ("image/webp",)),
    "audio": (
        16 * MB,
        ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    ),
    "video": (16 * MB, ("video/mp4", "video/3gpp")),
    "document": (100 * MB, ()),  # any type; served as a download, never inline
}
# What the thread shows inline (<img>, <audio>, <video>). Any other file, whatever
# type its sender claimed (text/html, image/svg+xml), is served as a download.
INLINE_TYPES = {kind: LIMITS[kind][1] for kind in ("image", "audio", "video")}


class MediaRejected(Exception):
    """The file is not what WhatsApp allows for this message type."""


def enqueue_download(message_id: int) -> None:
    # The default queue: downloads never hold up inbound processing on "high".
    get_queue("default").enqueue(
        download_media,
        message_id,
        result_ttl=0,
        retry=retry.MEDIA_DOWNLOAD.rq(),
        on_failure=Callback(download_failed),
    )


def media_path(sha256: str) -> Path:
    return Path(current_app.config["MEDIA_DIR"]) / sha256[:2] / sha256[2:4] / sha256


def store_bytes(data: bytes) -> str:
    """Keep a file under MEDIA_DIR by its SHA-256 (once per content); return the hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = media_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: readers never see half a file
    return sha256


def download_media(message_id: int) -> str:
    """Job: fetch one message's media; a temporary failure raises (RQ retries)."""
    message = db.session.get(Message, message_id)
    if message is None or message.media_state == "stored" or not message.media_id:
        return "skipped"
    channel = db.session.get(Channel, message.channel_id)
    try:
        store_media(channel, message)
    except MediaRejected as error:
        return finish(message, "failed", f"rejected: {error}")
    except WhatsAppError as error:
        if not error.retryable:
            return finish(message, "failed", f"graph error {error.code}")
        message.media_state = "retrying"
        db.session.commit()
        raise
    return finish(message, "stored", "ok")


def download_failed(job, connection, kind, error, traceback) -> None:
    """RQ's on_failure, after every failed run: the last one marks the media failed."""
    if job.should_retry:
        return
    message = db.session.get(Message, job.args[0])
    if message is not None and message.media_state != "stored":
        finish(message, "failed", f"{kind.__name__} on the last attempt")


def finish(message: Message, state: str, reason: str) -> str:
    message.media_state = state
    where = (message.workspace_id, message.conversation_id)
    db.session.commit()
    # An open thread shows "wird geladen …" until it hears the file is there
    # (or is not coming): the download may end after the page was drawn.
    live.publish_conversations([where])
    if state == "failed":
        metrics.MEDIA_DOWNLOAD_FAILURES.inc()
        log.warning("Media of message %s not stored: %s", message.id, reason)
    return state


def store_media(channel: Channel, message: Message) -> None:
    max_bytes, allowed = LIMITS.get(message.type, LIMITS["document"])
    with client_for(channel) as client:
        info = client.get_media(message.media_id)
        mime_type = (
            (info.mime_type or message.media_mime_type or "").split(";")[0].strip()
        )
        if allowed and mime_type not in allowed:
            raise MediaRejected(
                f"type {mime_type or 'unknown'} not allowed for {message.type}"
            )
        if info.file_size and info.file_size > max_bytes:
            raise MediaRejected("file too large")
        data = client.download(info.url, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    if info.sha256 and info.sha256 != sha256:
        raise WhatsAppError(None, "checksum mismatch")  # a broken transfer: try again
    store_bytes(data)
    message.media_sha256 = sha256
    message.media_size = len(data)
    # Display text from Meta: cut to its column (the type check above saw it whole).
    message.media_mime_type = fit(mime_type, MIME_TYPE) or message.media_mime_type
