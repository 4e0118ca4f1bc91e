"""Each number's pace, learned in Redis and shared by all workers (Meta's 130429).

The ceiling is what we know: WHATSAPP_RATE_PER_SECOND or the number's throughput
level read from the Graph API (Channel.throughput_mps: 80 standard, 1,000 high,
20 for a coexistence number), whichever is lower, less ARRIVAL_MARGIN. What Meta
really grants shows in its answers. It counts inbound and outbound messages in a
sliding second and answers 130429 "until you are within your allowed level again":

- 130429: the pace drops at once to BETA times what went through in the last
  second (our accepted sends and the inbound messages; what Meta's window held),
  and the schedule waits until enough of that second has left the window
  ("hold"). Once per congestion epoch: sends reserved before the cut fail too,
  but tell nothing new. If the window held the number's known level, that level
  is Meta's limit and the arrivals bunched on the way: the pace drops by only
  3 % (BUNCHED), the hold does the rest.
- While the number sends, the pace creeps back up by `step` per second of
  sending (STEP_SHARE of the cut pace, at least 1/s) up to the ceiling.
- 131057 (the number is being upgraded): nothing goes out for PAUSE_SECONDS.
- Inbound messages share the window: the webhook drain counts them per number
  and tenth of a second (count_inbound), and each reservation leaves room for
  the last second's.

Neither error costs a message an attempt or fails it (settle.wait_for_pace).
The state is a few small Redis keys per channel next to the GCRA schedule
(pacing.py); one Lua call per batch reserves slots at the learned pace.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

from ..queue import redis_connection
from . import pacing

log = logging.getLogger(__name__)
# Slots are when requests leave (sender.Gate keeps them apart even when a worker
# wakes late), but the network and Meta's front ends can still bunch arrivals.
# 5 % below the level; a second that bunches anyway costs one 130429 and a small
# cut, no message (benchmarks/outbound_send.py).
ARRIVAL_MARGIN = 0.95
FLOOR = 1.0  # messages/s: the pace never drops below
BETA = 0.9  # the cut: this share of what Meta's window held
BUNCHED = 0.97  # the cut when the window held the number's known level (bunching)
STEP_SHARE = 0.025  # additive increase per second of sending, of the cut pace
PAUSE_SECONDS = 60.0  # 131057: Meta's upgrade takes up to a minute
# Ten minutes after the last 130429 the learned limit is forgotten and the pace
# tries the ceiling again (a number may have been upgraded without a webhook).
LEARNED_TTL_MS = 600_000
EVIDENCE = 10  # messages in the window: enough to read Meta's limit from it
THROUGHPUT_REACHED = 130429
MAINTENANCE = 131057
PACE_CODES = frozenset({THROUGHPUT_REACHED, MAINTENANCE})

TAT = "leadgate:pace:channel:{}"  # the GCRA schedule (pacing.py)
LEARNED = "leadgate:pace:learned:{}"  # hash: ceiling, rate, at, step, cut, limit
SENT = "leadgate:pace:sent:{}"  # hash: tenth of a second -> accepted sends
INBOUND = "leadgate:pace:inbound:{}"  # hash: tenth of a second -> inbound messages
PAUSED = "leadgate:pace:paused:{}"  # until when (131057), for the settings page

COMMON = """
local MARGIN = __MARGIN__
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tenth = math.floor(now * 10)
local into = now * 10 - tenth  -- how far into the current tenth
local function exact(x) return string.format('%.6f', x) end
-- Counts per tenth of a second, oldest first: [0] the one leaving the window,
-- [1]..[10] the last ten (the current one last).
local function window(key)
  local counts = {[0] = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local j = tonumber(all[i]) - tenth + 10
    if j >= 0 and j <= 10 then counts[j] = counts[j] + tonumber(all[i + 1]) end
  end
  return counts
end
-- The last second exactly: the current tenth is only `into` full, so the part
-- of the oldest one still inside the second counts too.
local function total(counts)
  local sum = counts[0] * (1 - into)
  for j = 1, 10 do sum = sum + counts[j] end
  return sum
end
-- The learned rate now (the cut one plus `step` per second of sending since,
-- up to MARGIN of the limit the window showed, or the ceiling), the time of the
-- last cut, and whether the state was learned under another ceiling.
local function learned(key, ceiling)
  local s = redis.call('HMGET', key, 'ceiling', 'rate', 'at', 'step', 'cut', 'limit')
  if s[1] ~= ceiling then return tonumber(ceiling), 0, s[1] ~= false end
  local top = math.min(tonumber(ceiling), tonumber(s[6]) * MARGIN)
  local elapsed = math.min(math.max(now - tonumber(s[3]), 0), 1)
  local rate = math.max(tonumber(s[2]), math.min(top, tonumber(s[2]) + tonumber(s[4]) * elapsed))
  return rate, tonumber(s[5]), false
end
"""

COMMON = COMMON.replace("__MARGIN__", repr(ARRIVAL_MARGIN))

# KEYS: schedule, learned, inbound. ARGV: ceiling, max_wait, count, floor.
RESERVE = (
    COMMON
    + """
local rate, cut, stale = learned(KEYS[2], ARGV[1])
if stale then
  redis.call('DEL', KEYS[2])  -- learned under another ceiling: start from this one
elseif cut > 0 then
  redis.call('HSET', KEYS[2], 'rate', exact(rate), 'at', exact(math.max(now,
    tonumber(redis.call('HGET', KEYS[2], 'at')))))
end
local pace = math.max(tonumber(ARGV[4]), rate - total(window(KEYS[3])))
local interval = 1 / pace
local max_wait = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local offset = tat - now
local granted = math.min(count, math.floor((max_wait - offset) / interval) + 1)
if granted < 1 then
  return {0, exact(offset), exact(now), exact(interval)}
end
tat = tat + granted * interval
redis.call('SET', KEYS[1], exact(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return {granted, exact(offset), exact(now), exact(interval)}
"""
)

# KEYS: learned, sent, inbound, schedule. ARGV: ceiling, reserved_at, floor, beta,
# step share, ttl, evidence, bunched cut. Returns {cut (1) or same epoch (0), pace,
# hold}.
THROTTLED = (
    COMMON
    + """
local rate, cut = learned(KEYS[1], ARGV[1])
if tonumber(ARGV[2]) < cut then return {0, exact(rate), '0'} end
local sent, inbound = window(KEYS[2]), window(KEYS[3])
local counts = {}
for j = 0, 10 do counts[j] = sent[j] + inbound[j] end
local seen = total(counts)
local pace, limit
local known = tonumber(ARGV[1]) / MARGIN  -- the number's level, as far as we know
if seen >= tonumber(ARGV[4]) * known then
  -- The window held the level we know: Meta's limit is that level and our
  -- arrivals bunched (a stall on the way). A small cut and the hold suffice;
  -- the full cut would cost seconds of sending for nothing.
  pace, limit = tonumber(ARGV[8]) * rate, known
elseif seen >= tonumber(ARGV[7]) then
  -- What the window held is Meta's limit: stay below it from now on. Within
  -- BETA of the limit learned before it is the same limit (arrivals bunched);
  -- taken as a new one, each such error would lower it a little further.
  local before = tonumber(redis.call('HGET', KEYS[1], 'limit') or '0')
  limit = seen >= tonumber(ARGV[4]) * before and math.max(seen, before) or seen
  pace = tonumber(ARGV[4]) * math.min(rate, seen)
else
  -- Meta's window was full of traffic we did not see: halve, blindly.
  pace, limit = rate / 2, tonumber(ARGV[1]) / MARGIN
end
pace = math.max(tonumber(ARGV[3]), pace)
-- Hold: the first tenth from which what is still in the window plus the new
-- pace never exceeds what the window held when Meta said no.
local hold = 1.0
for h = 0, 10 do
  local fits = true
  for x = 0, 10 do
    local old = 0
    for j = h + x + 1, 10 do old = old + counts[j] end
    if old + pace * x / 10 > seen then fits = false break end
  end
  if fits then hold = h / 10 break end
end
redis.call('HSET', KEYS[1], 'ceiling', ARGV[1], 'rate', exact(pace),
  'at', exact(now + hold), 'step', exact(math.max(1, pace * tonumber(ARGV[5]))),
  'cut', exact(now), 'limit', exact(limit))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
local tat = tonumber(redis.call('GET', KEYS[4]) or '0')
if tat < now + hold then
  redis.call('SET', KEYS[4], exact(now + hold), 'PX', math.ceil(hold * 1000) + 1000)
end
return {1, exact(pace), exact(hold)}
"""
)

# KEYS: schedule, paused. ARGV: seconds. Returns the seconds paused.
PAUSE = (
    COMMON
    + """
local till = now + tonumber(ARGV[1])
local ms = math.ceil(tonumber(ARGV[1]) * 1000) + 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < till then redis.call('SET', KEYS[1], exact(till), 'PX', ms) end
redis.call('SET', KEYS[2], exact(till), 'PX', ms)
return exact(till - now)
"""
)

# KEYS: a count hash. ARGV: how many. Old tenths are dropped as new ones come.
COUNT = (
    COMMON
    + """
redis.call('HINCRBY', KEYS[1], tenth, ARGV[1])
if redis.call('HLEN', KEYS[1]) > 30 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(field) < tenth - 10 then redis.call('HDEL', KEYS[1], field) end
  end
end
redis.call('PEXPIRE', KEYS[1], 5000)
return 1
"""
)

# KEYS: learned, paused, inbound. ARGV: ceiling. Reads only.
PEEK = (
    COMMON
    + """
local rate, cut = learned(KEYS[1], ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0') - now
return {exact(rate), cut > 0 and rate < tonumber(ARGV[1]) and 1 or 0,
  exact(math.max(paused, 0)), exact(total(window(KEYS[3])))}
"""
)


def _run(name: str, source: str, keys: list[str], args: list) -> list:
    connection = redis_connection()
    return pacing.script(connection, source, f"leadgate_pace_{name}")(
        keys=keys, args=args
    )


def ceiling(level_mps: float | None) -> float:
    """The highest pace for a number: the configured rate or its level, less the margin."""
    configured = current_app.config["WHATSAPP_RATE_PER_SECOND"]
    known = min(configured, level_mps) if level_mps else configured
    return known * ARRIVAL_MARGIN


def _ceiling_arg(value: float) -> str:
    return f"{value:.3f}"  # compared as text in Redis: one spelling


def channel_slots(
    channel_id: int, ceiling_mps: float, count: int, max_wait: float
) -> pacing.Slots:
    """Slots for a batch of sends on one number, 1/pace apart (the learned pace)."""
    answer = _run(
        "reserve",
        RESERVE,
        [
            TAT.format(channel_id),
            LEARNED.format(channel_id),
            INBOUND.format(channel_id),
        ],
        [_ceiling_arg(ceiling_mps), max_wait, count, FLOOR],
    )
    granted, offset, now, interval = answer
    return pacing.slots_of((granted, offset, now), float(interval))


def count_inbound(channel_id: int, count: int) -> None:
    """Inbound messages share the number's window: count them for the pace."""
    if count > 0:
        _run("count", COUNT, [INBOUND.format(channel_id)], [count])


@dataclass(frozen=True)
class Pace:
    """The pace in force, for the settings page."""

    rate: float  # messages/s LeadGate sends at (the learned rate less inbound)
    ceiling: float
    throttled: bool  # below the ceiling after a 130429
    paused_seconds: float  # 131057: seconds until sends resume
    inbound: float  # inbound messages in the last second


def pace_of(channel_id: int, ceiling_mps: float) -> Pace:
    rate, throttled, paused, inbound = _run(
        "peek",
        PEEK,
        [
            LEARNED.format(channel_id),
            PAUSED.format(channel_id),
            INBOUND.format(channel_id),
        ],
        [_ceiling_arg(ceiling_mps)],
    )
    return Pace(
        rate=max(FLOOR, float(rate) - float(inbound)),
        ceiling=ceiling_mps,
        throttled=bool(int(throttled)),
        paused_seconds=float(paused),
        inbound=float(inbound),
    )


class Meter:
    """A batch's link to its number's pace, usable from the sender's threads.

    Built in the app context (the scripts and the connection are bound then);
    `accepted` counts a send Meta took, `refused` reports 130429 or 131057 and
    returns how long the message should wait.
    """

    def __init__(self, channel_id: int, ceiling_mps: float, reserved_at: float):
        connection = redis_connection()
        self._count = pacing.script(connection, COUNT, "leadgate_pace_count")
        self._throttled = pacing.script(
            connection, THROTTLED, "leadgate_pace_throttled"
        )
        self._pause = pacing.script(connection, PAUSE, "leadgate_pace_pause")
        self.channel_id = channel_id
        self.ceiling = _ceiling_arg(ceiling_mps)
        self.reserved_at = reserved_at  # Redis' clock when the batch's slots were taken

    def accepted(self) -> None:
        try:
            self._count(keys=[SENT.format(self.channel_id)], args=[1])
        except RedisError:  # the answer matters more than the count: keep it
            log.warning("Channel %s: accepted send not counted", self.channel_id)

    def refused(self, code: int | None) -> float:
        """Slow down (130429) or pause (131057); seconds until the pace allows a send."""
        try:
            return self._refused(code)
        except RedisError:
            log.warning("Channel %s: pace not lowered (Redis)", self.channel_id)
            return 1.0

    def _refused(self, code: int | None) -> float:
        channel = self.channel_id
        if code == MAINTENANCE:
            return float(
                self._pause(
                    keys=[TAT.format(channel), PAUSED.format(channel)],
                    args=[PAUSE_SECONDS],
                )
            )
        _, _, hold = self._throttled(
            keys=[
                LEARNED.format(channel),
                SENT.format(channel),
                INBOUND.format(channel),
                TAT.format(channel),
            ],
            args=[
                self.ceiling,
                self.reserved_at,
                FLOOR,
                BETA,
                STEP_SHARE,
                LEARNED_TTL_MS,
                EVIDENCE,
                BUNCHED,
            ],
        )
        return float(hold)
