"""Meta's sending limits: per-number throughput and the per-recipient pair rate."""

import threading
from collections import defaultdict, deque

from .clock import Clock
from .errors import GraphError
from .models import Number
from .settings import Settings

THROUGHPUT_DETAILS = (
    "Message failed to send because there were too many messages sent from this "
    "phone number in a short period of time (Cloud API throughput reached)."
)
PAIR_RATE_DETAILS = (
    "Message failed to send because there were too many messages sent from this "
    "phone number to the same phone number in a short period of time."
)


class Limits:
    """Sliding one-second window per number; token bucket per (number, recipient)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._sends: dict[str, deque[float]] = defaultdict(deque)
            self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def check_throughput(self, number: Number) -> None:
        """Count one send for the number, or raise 130429 when over its mps."""
        limit = number.throughput_mps or self.settings.throughput_mps
        now = self.clock.now()
        with self._lock:
            window = self._sends[number.phone_number_id]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                raise GraphError(130429, THROUGHPUT_DETAILS)
            window.append(now)

    def take_pair_token(self, number: Number, recipient: str) -> None:
        """Spend one message of the pair's budget, or raise 131056.

        Bursts borrow future quota: the bucket holds PAIR_RATE_BURST messages and
        refills one message every PAIR_RATE_INTERVAL seconds.
        """
        burst = self.settings.pair_rate_burst
        refill_per_second = 1 / self.settings.pair_rate_interval
        now = self.clock.now()
        key = (number.phone_number_id, recipient)
        with self._lock:
            tokens, last = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + max(0.0, now - last) * refill_per_second)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise GraphError(131056, PAIR_RATE_DETAILS)
            self._buckets[key] = (tokens - 1, now)
