"""Every retry rule of LeadGate in one table: how often, and how long in between.

Two kinds of retry read it. RQ retries a job itself (`Policy.rq()`: the job is
run again by the worker's scheduler, nothing is kept but the job). The
database-durable ones keep their count in PostgreSQL (Message.attempts,
WebhookEvent.attempts), because their state must survive a lost job and show
in the UI; they take only their numbers from here (`Policy.delay`).
"""

import random
from dataclasses import dataclass

from rq import Retry


@dataclass(frozen=True)
class Policy:
    """`attempts` counts the first try; `delays[n - 1]` follows failed attempt n.

    Past the end of `delays` the last one repeats. `jitter` 0.5 spreads each
    delay over its upper half, so retries of a burst do not arrive together.
    """

    attempts: int
    delays: tuple[float, ...]
    jitter: float = 0.0
    kept_in: str = "rq"  # or "database"

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        base = self.delays[min(max(attempt, 1), len(self.delays)) - 1]
        return base * random.uniform(1 - self.jitter, 1) if self.jitter else base

    def allows_another(self, attempts_made: int) -> bool:
        return attempts_made < self.attempts

    def rq(self) -> Retry | None:
        """RQ's Retry for a job run by this policy (None: run once)."""
        if self.attempts <= 1:
            return None
        return Retry(max=self.attempts - 1, interval=list(self.delays))


# A job that fails for a passing reason (SMTP away, Graph API hiccup).
JOB = Policy(attempts=4, delays=(10, 60, 300))
# Jobs whose work waits in the database, where a sweeper finds it again (the
# webhook drain, a channel's delivery): RQ runs them once.
ONCE = Policy(attempts=1, delays=(0,))
# Inbound media from the Graph API; then the message shows "not loadable".
MEDIA_DOWNLOAD = Policy(attempts=5, delays=(10, 60, 300, 900))
# Deleting files of erased people: about a day of tries (a full disk, NFS).
FILE_DELETION = Policy(attempts=29, delays=(10, 60, 300, 1800, 3600))
# A send Meta refused for a temporary reason (Message.attempts in the database).
DELIVERY = Policy(attempts=6, delays=(2, 4, 8, 16, 32), jitter=0.5, kept_in="database")
# Meta's pair rate limit (131056) asks for 4^(n-1) seconds after attempt n.
DELIVERY_PAIR_LIMIT = Policy(attempts=6, delays=(1, 4, 16, 64, 256), kept_in="database")
# A webhook event whose drain hit a passing database error: pending for the
# next drain, `failed` after this many (WebhookEvent.attempts).
WEBHOOK_EVENT = Policy(attempts=5, delays=(0,), kept_in="database")

POLICIES = {
    "job": JOB,
    "once": ONCE,
    "media_download": MEDIA_DOWNLOAD,
    "file_deletion": FILE_DELETION,
    "delivery": DELIVERY,
    "delivery_pair_limit": DELIVERY_PAIR_LIMIT,
    "webhook_event": WEBHOOK_EVENT,
}
