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
MAINTENANCE_DETAILS = (
    "Message failed to send because the phone number is in maintenance mode "
    "while its throughput is being upgraded. Try again in a minute."
)
LEVEL_MPS = {"STANDARD": 80.0, "HIGH": 1000.0}
COEXISTENCE_MPS = 20.0
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
            self._maintenance: dict[str, float] = {}

    def limit_of(self, number: Number) -> float:
        """Messages/s the number may handle, inbound and outbound together."""
        if number.throughput_mps:
            return number.throughput_mps
        if number.is_on_biz_app:
            return COEXISTENCE_MPS
        return LEVEL_MPS.get(
            number.throughput_level or "", self.settings.throughput_mps
        )

    def level_of(self, number: Number) -> str:
        """The level GET /{phone-number-id}?fields=throughput reports."""
        if number.throughput_level:
            return number.throughput_level
        return "HIGH" if self.limit_of(number) >= LEVEL_MPS["HIGH"] else "STANDARD"

    def check_throughput(self, number: Number) -> None:
        """Count one send for the number, or raise 130429 when over its mps.

        131057 while the number is in maintenance (its throughput upgrade).
        """
        now = self.clock.now()
        with self._lock:
            if now < self._maintenance.get(number.phone_number_id, 0.0):
                raise GraphError(131057, MAINTENANCE_DETAILS)
            window = self._window(number, now)
            if len(window) >= self.limit_of(number):
                raise GraphError(130429, THROUGHPUT_DETAILS)
            window.append(now)

    def count_inbound(self, number: Number) -> None:
        """Meta's throughput counts inbound messages too: they fill the same window."""
        now = self.clock.now()
        with self._lock:
            self._window(number, now).append(now)

    def _window(self, number: Number, now: float) -> deque[float]:
        window = self._sends[number.phone_number_id]
        while window and window[0] <= now - 1.0:
            window.popleft()
        return window

    def start_maintenance(self, number: Number, seconds: float) -> None:
        with self._lock:
            self._maintenance[number.phone_number_id] = self.clock.now() + seconds

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
