"""A message's delivery state: the states, their ranking and the allowed moves.

(`MessageState`, because `MessageStatus` is the table of recorded status webhooks.)

Two kinds of move:

- Meta's word (status webhooks, the send answer) only goes forward: a state in
  FORWARD is taken only over one ranked lower, so a late "delivered" never
  undoes "read". "failed" outranks "sent" but not a confirmed delivery.
- Our own decisions (claim a message, retry it, park it for its paused template,
  fail it, hold it back for Meta's marketing limit) may go back in rank, but
  only from the states listed in DECISIONS.

Row writers use `Message.move_to`; set-based UPDATEs take `columns()`, `RANK`,
`sources()` and `forward_from()` from here, so SQL and Python apply one rule.
"""

from enum import StrEnum


class MessageState(StrEnum):
    RECEIVED = "received"  # inbound; never moves
    QUEUED = "queued"
    PAUSED = "paused"  # waits while its template is paused (132015)
    SENDING = "sending"
    HELD = "held"  # Meta accepted a paced template but holds it
    SENT = "sent"
    FAILED = "failed"
    LIMITED = "limited"  # Meta's per-user marketing limit (131049): no failure
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"  # a voice message was listened to


S = MessageState

RANK: dict[MessageState, int] = {
    S.RECEIVED: 0,
    S.QUEUED: 0,
    S.PAUSED: 0,
    S.SENDING: 0,
    S.HELD: 5,
    S.SENT: 10,
    S.FAILED: 15,
    S.LIMITED: 15,
    S.DELIVERED: 20,
    S.READ: 30,
    S.PLAYED: 40,
}

# What Meta reports (webhooks, send answers): taken over any lower-ranked state.
FORWARD = frozenset({S.HELD, S.SENT, S.FAILED, S.DELIVERED, S.READ, S.PLAYED})
# What status webhooks may carry; our own states never come from a body.
META_REPORTED = frozenset({S.SENT, S.DELIVERED, S.READ, S.FAILED, S.PLAYED})
OUTBOUND = frozenset(S) - {S.RECEIVED}

# Our decisions: target ← the states it may be taken from.
DECISIONS: dict[MessageState, frozenset[MessageState]] = {
    # claim
    S.SENDING: frozenset({S.QUEUED}),
    # retry after a send error or a failed webhook; "Erneut senden";
    # the template was approved again
    S.QUEUED: frozenset({S.SENDING, S.FAILED, S.LIMITED, S.PAUSED}),
    # the template is paused: waiting ones, the one Meta just refused
    S.PAUSED: frozenset({S.QUEUED, S.SENDING, S.FAILED}),
    # withheld (objection), the template withdrawn, a send error, unconfirmed
    S.FAILED: frozenset({S.QUEUED, S.PAUSED, S.SENDING}),
    # 131049 in the send answer or in a failed webhook
    S.LIMITED: frozenset({S.SENDING, S.FAILED}),
}


class IllegalTransition(ValueError):
    """A move the state machine does not allow (a bug in the caller)."""


def may_move(current: str, target: str) -> bool:
    """Whether a message in `current` may be put into `target`."""
    current, target = S(current), S(target)
    if current == target or current in DECISIONS.get(target, ()):
        return True
    return target in FORWARD and current in OUTBOUND and RANK[target] > RANK[current]


def sources(target: str) -> frozenset[MessageState]:
    """Every state a message may be moved to `target` from (for set-based UPDATEs)."""
    return frozenset(state for state in S if may_move(state, target))


def forward_from(target: str) -> frozenset[MessageState]:
    """The states Meta's `target` moves forward from (ranked lower, outbound)."""
    return frozenset(state for state in OUTBOUND if RANK[state] < RANK[S(target)])


def moves_forward(status, status_rank, rank):
    """SQL: a row may take Meta's state of `rank` (a per-row bind parameter).

    Written as "not one of the other states" with plain parameters: an IN list
    would be an expanding parameter, which executemany statements cannot take.
    """
    condition = status_rank < rank
    for state in sorted(frozenset(S) - OUTBOUND):
        condition &= status != state.value
    return condition


def columns(target: str, *from_: str) -> dict:
    """status and status_rank for a bulk UPDATE moving `from_` states to `target`.

    Checks the move once, where the statement is built: its WHERE must select
    only `from_` states.
    """
    for current in from_:
        if not may_move(current, target):
            raise IllegalTransition(f"{current} → {target}")
    return {"status": S(target).value, "status_rank": RANK[S(target)]}


def initial(state: str) -> dict:
    """status and status_rank of a new row (a message is created in any state)."""
    return {"status": S(state).value, "status_rank": RANK[S(state)]}


def rank_of(state: str | None) -> int:
    """The rank of a stored or reported state (unknown ones rank lowest)."""
    try:
        return RANK[S(state)]
    except ValueError:
        return 0
