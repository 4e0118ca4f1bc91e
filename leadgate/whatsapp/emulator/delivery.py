"""Background delivery: scheduled jobs, webhook POSTs with bounded retries."""

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx

from .clock import Clock
from .settings import Settings

log = logging.getLogger(__name__)
RECORD_LIMIT = 2000


@dataclass
class WebhookRecord:
    """One webhook POST (and its retries) as the admin API reports it."""

    url: str
    field: str
    payload: bytes
    headers: dict[str, str]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = "pending"  # pending, delivered, failed, skipped
    attempts: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        try:
            body = json.loads(self.payload)
        except ValueError:
            body = None  # a malformed-payload fault
        return {
            "id": self.id,
            "url": self.url,
            "field": self.field,
            "state": self.state,
            "attempts": list(self.attempts),
            "headers": dict(self.headers),
            "body": body,
            "raw": self.payload.decode("utf-8", "replace"),
        }


class Dispatcher:
    """Runs jobs at their due time on worker threads, never inside a request."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._running = 0
        self._expedite = False
        self._stopped = False
        self._threads: list[threading.Thread] = []
        self._client: httpx.Client | None = None
        self._records: deque[WebhookRecord] = deque(maxlen=RECORD_LIMIT)

    def call_later(self, delay: float, job: Callable[[], None]) -> None:
        due = time.monotonic() + max(0.0, delay)
        with self._cond:
            self._start_workers()
            heapq.heappush(self._queue, (due, next(self._sequence), job))
            self._cond.notify_all()

    def deliver(self, record: WebhookRecord, delay: float = 0.0) -> None:
        with self._cond:
            self._records.append(record)
        if not record.url:
            record.state = "skipped"  # the number has no webhook URL yet
            return
        self.call_later(delay, partial(self._attempt, record, 0))

    def records(self) -> list[dict]:
        with self._cond:
            return [record.to_dict() for record in self._records]

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def flush(self, timeout: float) -> bool:
        """Run everything queued now, ignoring delays but keeping order, then wait."""
        with self._cond:
            if not self._idle():
                self._expedite = True
                self._cond.notify_all()
            return self._cond.wait_for(self._idle, timeout)

    def clear(self) -> None:
        with self._cond:
            self._queue.clear()
            self._records.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._client is not None:
            self._client.close()

    def _idle(self) -> bool:
        return not self._queue and self._running == 0

    def _start_workers(self) -> None:
        # Lazily, so an app that is built but never used starts no threads.
        if self._threads or self._stopped:
            return
        self._client = httpx.Client(headers={"User-Agent": "facebookexternalua"})
        for index in range(max(1, int(self.settings.webhook_concurrency))):
            thread = threading.Thread(
                target=self._work, name=f"emulator-webhooks-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _next_job(self) -> Callable[[], None] | None:
        with self._cond:
            while not self._stopped:
                if not self._queue:
                    self._cond.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait <= 0 or self._expedite:
                    self._running += 1
                    return heapq.heappop(self._queue)[2]
                self._cond.wait(wait)
            return None

    def _work(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                job()
            except Exception:
                log.exception("emulator background job failed")
            finally:
                with self._cond:
                    self._running -= 1
                    if self._idle():
                        self._expedite = False
                    self._cond.notify_all()

    def _attempt(self, record: WebhookRecord, retry: int) -> None:
        started = time.monotonic()
        status, error = None, None
        try:
            response = self._client.post(
                record.url,
                content=record.payload,
                headers=record.headers,
                timeout=self.settings.webhook_timeout,
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempt = {"at": self.clock.now(), "status_code": status, "error": error}
        attempt["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        delays = self.settings.webhook_retry_delays
        with self._cond:
            record.attempts.append(attempt)
            # Meta wants exactly 200; anything else is retried, boundedly here.
            if status == 200:
                record.state = "delivered"
            elif retry >= len(delays):
                record.state = "failed"
        if status != 200 and retry < len(delays):
            self.call_later(delays[retry], partial(self._attempt, record, retry + 1))
