"""Media downloads through their real path: enqueue_download, RQ's Retry, an AppWorker."""

import dataclasses

from rq import Queue

from leadgate import jobs, retry
from leadgate.extensions import db
from leadgate.media import enqueue_download
from leadgate.models import Message
from leadgate.queue import QUEUE_NAMES, AppWorker, redis_connection


def download_until_settled(app, monkeypatch, message_id: int) -> str:
    """Run the download job and every retry RQ makes of it; return the media state.

    The policy's attempts stay the table's; only its waits are cut to nothing,
    so RQ puts each retry straight back on the queue instead of the schedule.
    """
    monkeypatch.setattr(
        retry,
        "MEDIA_DOWNLOAD",
        dataclasses.replace(retry.MEDIA_DOWNLOAD, delays=(0,)),
    )
    monkeypatch.setitem(app.config, "QUEUE_IS_ASYNC", True)
    with app.app_context():
        enqueue_download(message_id)
    connection = redis_connection(app)
    AppWorker(
        [Queue(name, connection=connection) for name in QUEUE_NAMES],
        connection=connection,
        app=app,
        allowed_jobs=jobs.names(),
    ).work(burst=True)
    with app.app_context():
        return db.session.get(Message, message_id).media_state
