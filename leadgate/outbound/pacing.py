"""Send pacing shared by all workers: Meta's throughput and pair rate limits, in Redis.

A GCRA ("generic cell rate algorithm") slot reservation per key: each send takes
the next free slot `interval` seconds after the previous one, with `burst` sends
allowed early. The script runs atomically in Redis and uses Redis' clock, so any
number of workers on any number of machines share one schedule.

- Per channel: interval = 1 / WHATSAPP_RATE_PER_SECOND, no burst, so no second
  ever holds more sends than the limit (Meta answers 130429 above it).
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
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tat = tonumber(redis.call('GET', key) or '0')
if tat < now then tat = now end
local wait = tat - allowance - now
if wait < 0 then wait = 0 end
if wait > max_wait then
  return {0, tostring(wait), tostring(now + wait)}
end
local ttl = math.ceil((tat + interval - now) * 1000) + 1000
redis.call('SET', key, tostring(tat + interval), 'PX', ttl)
return {1, tostring(wait), tostring(now + wait)}
"""


@dataclass(frozen=True)
class Slot:
    reserved: bool  # False: nothing taken, come back after `wait`
    wait: float  # seconds until the slot starts
    starts_at: float  # on Redis' clock (seconds since the epoch)


def reserve(key: str, interval: float, burst: int, max_wait: float) -> Slot:
    """Take the next slot if it starts within max_wait seconds."""
    connection = redis_connection()
    script = current_app.extensions.get("leadgate_gcra")
    if script is None or script.registered_client is not connection:
        script = current_app.extensions["leadgate_gcra"] = connection.register_script(
            GCRA
        )
    reserved, wait, starts_at = script(
        keys=[key], args=[interval, max(0, burst - 1) * interval, max_wait]
    )
    return Slot(bool(int(reserved)), float(wait), float(starts_at))


# Slots are when requests leave; network jitter can bunch their arrival at Meta,
# which counts per second. A small margin keeps us under the limit there too.
ARRIVAL_MARGIN = 0.95


def channel_slot(channel_id: int, max_wait: float) -> Slot:
    rate = current_app.config["WHATSAPP_RATE_PER_SECOND"] * ARRIVAL_MARGIN
    return reserve(f"leadgate:pace:channel:{channel_id}", 1 / rate, 1, max_wait)


def recipient_slot(channel_id: int, contact_id: int) -> Slot:
    """Only ever taken at once: a later slot means waiting in the queue instead."""
    return reserve(
        f"leadgate:pace:pair:{channel_id}:{contact_id}",
        current_app.config["WHATSAPP_PAIR_INTERVAL_SECONDS"],
        current_app.config["WHATSAPP_PAIR_BURST"],
        0,
    )
