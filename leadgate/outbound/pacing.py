"""Send pacing shared by all workers: Meta's throughput and pair rate limits, in Redis.

A GCRA ("generic cell rate algorithm") slot reservation per key: each send takes
the next free slot `interval` seconds after the previous one, with `burst` sends
allowed early. The script runs atomically in Redis and uses Redis' clock, so any
number of workers on any number of machines share one schedule.

- Per channel: interval = 1 / the number's pace, no burst, so no second ever
  holds more sends than the limit (Meta answers 130429 above it). The pace is
  learned per number (throughput.py, which reserves in the same schedule).
- Per channel and recipient: one message per 6 s with a short burst (Meta's pair
  rate limit, 131056; Meta allows up to 45 early, we stay well below).
"""

from dataclasses import dataclass

from flask import current_app

from ..queue import redis_connection

GCRA = """
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local allowance = tonumber(ARGV[2])  -- (burst - 1) * interval
local max_wait = tonumber(ARGV[3])
local count = tonumber(ARGV[4])  -- consecutive slots wanted
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tat = tonumber(redis.call('GET', key) or '0')
if tat < now then tat = now end
local offset = tat - allowance - now  -- when the first slot starts (< 0: at once)
local granted = math.min(count, math.floor((max_wait - offset) / interval) + 1)
-- %.6f: tostring() keeps 14 digits, only 0.1 ms of an epoch timestamp
local function exact(x) return string.format('%.6f', x) end
if granted < 1 then
  return {0, exact(offset), exact(now)}
end
tat = tat + granted * interval
redis.call('SET', key, exact(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return {granted, exact(offset), exact(now)}
"""


@dataclass(frozen=True)
class Slots:
    """Consecutive slots in one schedule, taken together; none if `granted` is 0."""

    granted: int
    offset: float  # seconds until the first slot (negative: a burst allows it now)
    interval: float
    now: float  # Redis' clock at the reservation (seconds since the epoch)

    @property
    def reserved(self) -> bool:
        return self.granted > 0

    def wait(self, index: int = 0) -> float:
        """Seconds from the reservation until slot `index` starts."""
        return max(0.0, self.offset + index * self.interval)

    def starts_at(self, index: int = 0) -> float:
        return self.now + self.wait(index)


def script(connection, source: str = GCRA, name: str = "leadgate_gcra"):
    """A Lua script registered once per app and connection."""
    found = current_app.extensions.get(name)
    if found is None or found.registered_client is not connection:
        found = current_app.extensions[name] = connection.register_script(source)
    return found


def slots_of(answer, interval: float) -> Slots:
    granted, offset, now = answer
    return Slots(int(granted), float(offset), interval, float(now))


def _args(interval: float, burst: int, max_wait: float, count: int) -> list:
    """The script's ARGV: interval, allowance for the burst, max_wait, count."""
    return [interval, max(0, burst - 1) * interval, max_wait, count]


def reserve(
    key: str, interval: float, burst: int, max_wait: float, count: int = 1
) -> Slots:
    """Take up to `count` next slots, as many as start within max_wait seconds."""
    connection = redis_connection()
    answer = script(connection)(
        keys=[key], args=_args(interval, burst, max_wait, count)
    )
    return slots_of(answer, interval)


def recipient_slots(channel_id: int, contact_ids: list[int]) -> list[Slots]:
    """One slot per recipient, only if free now: otherwise wait in the queue.

    One round trip for the whole batch (a pipeline of script calls).
    """
    config = current_app.config
    interval = config["WHATSAPP_PAIR_INTERVAL_SECONDS"]
    args = _args(interval, config["WHATSAPP_PAIR_BURST"], 0, 1)
    connection = redis_connection()
    gcra = script(connection)
    pipeline = connection.pipeline(transaction=False)
    for contact_id in contact_ids:
        gcra(
            keys=[f"leadgate:pace:pair:{channel_id}:{contact_id}"],
            args=args,
            client=pipeline,
        )
    return [slots_of(answer, interval) for answer in pipeline.execute()]
