"""Group commit for webhook bodies: one INSERT and one COMMIT for many requests.

At thousands of webhooks per second the per-request INSERT + COMMIT costs more than
the rest of the request. Request threads hand their body to one writer thread per
process and wait; the writer stores everything that queued up meanwhile in a
single transaction and then wakes them. A request still answers 200 only after
its row is committed, so nothing acknowledged can be lost.
"""

import threading
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from ..models import WebhookEvent, utcnow

MAX_BATCH = 500
WAIT_SECONDS = 10.0


@dataclass
class Pending:
    channel_id: int
    body: bytes
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class WebhookWriter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.queue: list[Pending] = []
        self.condition = threading.Condition()
        self.thread = threading.Thread(
            target=self._run, name="webhook-writer", daemon=True
        )
        self.thread.start()

    def store(self, channel_id: int, body: bytes) -> None:
        """Block until the body is committed; raise if it could not be."""
        item = Pending(channel_id, body)
        with self.condition:
            self.queue.append(item)
            self.condition.notify()
        if not item.done.wait(WAIT_SECONDS):
            raise TimeoutError("webhook not stored in time")
        if item.error is not None:
            raise item.error

    def _run(self) -> None:
        while True:
            with self.condition:
                self.condition.wait_for(lambda: self.queue)
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            self._write(batch)

    def _write(self, batch: list[Pending]) -> None:
        received_at = utcnow()
        rows = [
            {
                "channel_id": item.channel_id,
                "body": item.body,
                "received_at": received_at,
            }
            for item in batch
        ]
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(WebhookEvent), rows)
        except BaseException as error:  # every waiting request must hear about it
            for item in batch:
                item.error = error
        for item in batch:
            item.done.set()


_writers: dict[int, WebhookWriter] = {}
_lock = threading.Lock()


def writer_for(engine: Engine) -> WebhookWriter:
    """The process's writer for this engine (created on first use, after any fork)."""
    with _lock:
        writer = _writers.get(id(engine))
        if writer is None or not writer.thread.is_alive():
            writer = _writers[id(engine)] = WebhookWriter(engine)
        return writer
