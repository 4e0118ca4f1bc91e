"""Group commit for webhook bodies: one statement and one commit for many requests.

At thousands of webhooks per second the per-request INSERT + COMMIT costs more than
the rest of the request. Request threads hand their body to one writer thread per
process and wait; the writer stores everything that queued up meanwhile at once
and then wakes them. A request still answers 200 only after its row is committed,
so nothing acknowledged can be lost.

The writer competes for the GIL with every request thread of its process, and
each network round trip means waiting for the GIL again. So it keeps its own
connection (no pool checkout, no pre-ping) and, on PostgreSQL, stores a batch
with a single autocommitted statement: one round trip per batch.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from ..dbutil import array_type
from ..models import WebhookEvent, utcnow

log = logging.getLogger(__name__)

MAX_BATCH = 500
GATHER_UNTIL = 16  # requests; a smaller batch waits up to GATHER_SECONDS for more
GATHER_SECONDS = 0.01
WAIT_SECONDS = 10.0
IDLE_SECONDS = 60.0  # give the connection back when no webhooks come

events = WebhookEvent.__table__


def postgres_batch_insert() -> str:
    """The batch INSERT, built from webhook_event's metadata.

    Arrays in, rows out: the whole batch is one statement and, in autocommit,
    one transaction — all rows or none. Each request gives channel_id and body,
    the batch one received_at; every other column with a constant default gets
    it from the model, so a changed default needs no change here.
    """
    dialect = postgresql.dialect()
    given = ("channel_id", "body")
    defaults = [
        column
        for column in events.columns
        if column.name not in (*given, "received_at")
        and column.default is not None
        and column.default.is_scalar
    ]
    names = [*given, "received_at", *(column.name for column in defaults)]
    values = [
        literal(column.default.arg, column.type).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        for column in defaults
    ]
    arrays = ", ".join(f"%b::{array_type(events.c[name], dialect)}" for name in given)
    return (
        f"INSERT INTO {events.name} ({', '.join(names)}) "
        f"SELECT {', '.join(given)}, %s, {', '.join(map(str, values))} "
        f"FROM unnest({arrays}) AS batch({', '.join(given)})"
    )


POSTGRES_BATCH_INSERT = postgres_batch_insert()


@dataclass
class Pending:
    channel_id: int
    body: bytes
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class WebhookWriter:
    def __init__(
        self,
        engine: Engine,
        after_commit: Callable[[], None] | None = None,
        after_commit_every: float = 0.0,
    ) -> None:
        self.engine = engine
        # Runs after committed batches (to schedule processing), at most once per
        # `after_commit_every` seconds, and always once after the last batch: a
        # batch committed meanwhile is covered by that trailing call.
        self.after_commit = after_commit
        self.after_commit_every = after_commit_every
        self.after_commit_due = False
        self.after_commit_at = 0.0
        self.connection: Connection | None = None
        self.stopped = False
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

    def stop(self) -> None:
        """Write what is queued, close the connection and end the thread."""
        with self.condition:
            self.stopped = True
            self.condition.notify()
        self.thread.join(WAIT_SECONDS)

    def _run(self) -> None:
        while True:
            with self.condition:
                self.condition.wait_for(
                    lambda: self.queue or self.stopped, timeout=self._idle_timeout()
                )
                if self.queue and len(self.queue) < GATHER_UNTIL and not self.stopped:
                    # Like PostgreSQL's commit_delay: a moment's wait turns many
                    # tiny commits into a few larger ones, which costs less CPU.
                    self.condition.wait_for(
                        lambda: len(self.queue) >= GATHER_UNTIL, timeout=GATHER_SECONDS
                    )
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
                stopping = self.stopped and not self.queue
            if batch:
                self._write(batch)
            elif self.after_commit_due:
                self._run_after_commit(trailing=True)
                continue
            if stopping or not batch:
                self._close()
            if stopping:
                return

    def _idle_timeout(self) -> float:
        if not self.after_commit_due:
            return IDLE_SECONDS
        return max(
            0.0, self.after_commit_at + self.after_commit_every - time.monotonic()
        )

    def _write(self, batch: list[Pending]) -> None:
        try:
            self._insert(batch)
        except BaseException as error:  # every waiting request must hear about it
            self._close(broken=True)  # replaced on the next batch
            for item in batch:
                item.error = error
        else:
            self.after_commit_due = True
            self._run_after_commit()
        for item in batch:
            item.done.set()

    def _insert(self, batch: list[Pending]) -> None:
        received_at = utcnow()
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.engine.dialect.name == "postgresql":
                self.connection = self.connection.execution_options(
                    isolation_level="AUTOCOMMIT"
                )
        if self.engine.dialect.name == "postgresql":
            # psycopg directly, with binary array parameters (%b): the bodies
            # travel as they are instead of hex-encoded into an array literal.
            self.connection.connection.driver_connection.execute(
                POSTGRES_BATCH_INSERT,
                (  # in the order of the placeholders
                    received_at,
                    [item.channel_id for item in batch],
                    [item.body for item in batch],
                ),
            )
            return
        rows = [
            {"channel_id": i.channel_id, "body": i.body, "received_at": received_at}
            for i in batch
        ]
        self.connection.execute(insert(WebhookEvent), rows)
        self.connection.commit()

    def _close(self, broken: bool = False) -> None:
        if self.connection is None:
            return
        try:
            if broken:
                self.connection.invalidate()
            self.connection.close()
        except Exception:
            log.debug("Closing the webhook writer's connection failed", exc_info=True)
        self.connection = None

    def _run_after_commit(self, trailing: bool = False) -> None:
        if self.after_commit is None:
            self.after_commit_due = False
            return
        now = time.monotonic()
        if not trailing and now - self.after_commit_at < self.after_commit_every:
            return  # the trailing call covers this batch
        self.after_commit_due, self.after_commit_at = False, now
        try:
            self.after_commit()
        except Exception:  # stored is stored: the sweeper catches up
            log.exception("After-commit hook of the webhook writer failed")


_writers: dict[int, WebhookWriter] = {}
_lock = threading.Lock()


def writer_for(
    key: int,
    engine: Engine,
    after_commit: Callable[[], None] | None = None,
    after_commit_every: float = 0.0,
) -> WebhookWriter:
    """The process's writer under this key (created on first use, after any fork)."""
    with _lock:
        writer = _writers.get(key)
        if writer is None or not writer.thread.is_alive():
            writer = _writers[key] = WebhookWriter(
                engine, after_commit, after_commit_every
            )
        return writer


def stop_writer(key: int) -> None:
    """Stop the writer under this key, if any (app teardown in tests and tools)."""
    with _lock:
        writer = _writers.pop(key, None)
    if writer is not None:
        writer.stop()
