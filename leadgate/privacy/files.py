"""Media files on disk go when no message refers to them any more.

Files are stored once per content (media.store_bytes, by SHA-256), so the same
picture sent in two workspaces is one file: a file is deleted only when no
message row anywhere still names its hash. The database is changed first (in one
transaction, by the erasure or the purge); the files follow in a job that
retries until they are gone, so a full disk or a busy NFS mount never leaves a
file of an erased person behind for good.
"""

import logging
from collections.abc import Iterable

from sqlalchemy import select

from .. import retry
from ..dbutil import one_of
from ..extensions import db
from ..media import media_path
from ..models import Message
from ..queue import enqueue

log = logging.getLogger(__name__)

CHUNK = 1000


def referenced(hashes: Iterable[str]) -> set[str]:
    """Those of the hashes a message row still names."""
    hashes, found = list(set(hashes)), set()
    for start in range(0, len(hashes), CHUNK):
        found.update(
            db.session.scalars(
                select(Message.media_sha256)
                .where(one_of(Message.media_sha256, hashes[start : start + CHUNK]))
                .distinct()
            )
        )
    return found


def delete_unreferenced(hashes: Iterable[str]) -> int:
    """Delete the files no message names any more; return how many went.

    Raises OSError if a file could not be deleted, so the job is retried.
    """
    hashes = set(hashes) - {None, ""}
    removed = 0
    for sha256 in hashes - referenced(hashes):
        path = media_path(sha256)
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed


def delete_media_files(hashes: list[str]) -> int:
    """Job: delete these files if unreferenced (retried until it succeeds)."""
    removed = delete_unreferenced(hashes)
    log.info("Deleted %d media files of %d named", removed, len(hashes))
    return removed


def enqueue_file_deletion(hashes: Iterable[str]) -> None:
    """Call after the commit that removed the rows naming these files."""
    hashes = sorted(set(hashes) - {None, ""})
    for start in range(0, len(hashes), CHUNK):
        enqueue(
            delete_media_files,
            hashes[start : start + CHUNK],
            queue="low",
            retry=retry.FILE_DELETION.rq(),  # about a day of tries
        )
