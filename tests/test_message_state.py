"""The delivery state machine: every allowed and every refused move, from one table.

The expectation below is written out by hand (not derived from the module), so a
change to the rules in leadgate/models/message_state.py must change it too.
"""

import pytest

from leadgate.models import Message
from leadgate.models.message_state import (
    RANK,
    IllegalTransition,
    MessageState,
    columns,
    may_move,
    sources,
)

# From → the states it may move to (besides staying where it is).
ALLOWED = {
    "received": set(),
    "queued": {"sending", "paused", "failed", "held", "sent", "delivered", "read", "played"},
    "paused": {"queued", "failed", "held", "sent", "delivered", "read", "played"},
    "sending": {"queued", "paused", "failed", "limited", "held", "sent", "delivered", "read", "played"},
    "held": {"sent", "failed", "delivered", "read", "played"},
    "sent": {"failed", "delivered", "read", "played"},
    "failed": {"queued", "paused", "limited", "delivered", "read", "played"},
    "limited": {"queued", "delivered", "read", "played"},
    "delivered": {"read", "played"},
    "read": {"played"},
    "played": set(),
}  # fmt: skip
PAIRS = [(a, b) for a in ALLOWED for b in ALLOWED]


def test_the_table_names_every_state():
    assert set(ALLOWED) == {state.value for state in MessageState} == set(RANK)


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_every_move(current, target):
    allowed = current == target or target in ALLOWED[current]
    assert may_move(current, target) is allowed
    message = Message(status=current, status_rank=RANK[current])
    if allowed:
        message.move_to(target)
        assert (message.status, message.status_rank) == (target, RANK[target])
        assert columns(target, current)["status_rank"] == RANK[target]
    else:
        with pytest.raises(IllegalTransition):
            message.move_to(target)
        assert (message.status, message.status_rank) == (current, RANK[current])
        with pytest.raises(IllegalTransition):
            columns(target, current)


@pytest.mark.parametrize("target", list(ALLOWED))
def test_bulk_writers_take_the_same_sources(target):
    expected = {state for state, targets in ALLOWED.items() if target in targets}
    assert sources(target) == expected | {target}


def test_metas_word_never_moves_a_message_backwards():
    """A late "delivered" never undoes "read"; "failed" never undoes a delivery."""
    assert not may_move("read", "delivered")
    assert not may_move("delivered", "failed")
    assert not may_move("sent", "held")
    assert may_move("held", "sent") and may_move("sent", "failed")
