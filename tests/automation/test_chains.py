"""Loop protection: what a rule changes fires other rules one level deeper, never
itself again from its own chain, and nothing deeper than MAX_DEPTH."""

from sqlalchemy import select

from leadgate.automation.engine import MAX_DEPTH
from leadgate.models import Conversation

from .support import add_rule, conversation, firings, read, writes


def fired(app) -> list[tuple[int, str, int]]:
    return [(f.rule_id, f.trigger, f.depth) for f in firings(app)]


def test_two_rules_that_would_ping_pong_each_fire_once(app, client, world):
    """ "Resolved → pending" and "pending → resolved" would undo each other forever."""
    writes(client, world, "Hallo")
    to_pending = add_rule(
        app, world, "state_changed", [{"kind": "set_state", "state": "pending"}]
    )
    to_resolved = add_rule(
        app, world, "state_changed", [{"kind": "set_state", "state": "resolved"}]
    )
    client.post(f"/inbox/{conversation(app).id}/state", data={"state": "resolved"})
    # The agent's change fires both in order: the first moves it to pending (its
    # event fires the second one level deeper), the second, on the same agent
    # event, moves it back, which fires the first one level deeper. Then each
    # chain holds both rules: nothing fires any more.
    assert fired(app) == [
        (to_pending, "state_changed", 0),
        (to_resolved, "state_changed", 0),
        (to_resolved, "state_changed", 1),
        (to_pending, "state_changed", 1),
    ]
    assert read(app, select(Conversation.state)) == ["pending"]


def test_a_chain_stops_at_the_depth_limit(app, client, world):
    """Each rule's change fires the next one level deeper; the fifth would fire
    at depth 4 and does not."""
    sales = {"kind": "team", "team_id": world.sales_id}
    recruiting = {"kind": "team", "team_id": world.recruiting_id}
    rules = [
        add_rule(
            app, world, "message_received",
            [{"kind": "assign_agent", "user_id": world.agent_id}],
        ),
        add_rule(
            app, world, "conversation_assigned",
            [{"kind": "set_state", "state": "pending"}], [sales],
        ),
        add_rule(
            app, world, "state_changed",
            [
                {"kind": "assign_team", "team_id": world.recruiting_id},
                {"kind": "assign_agent", "user_id": world.owner_id},
            ],
            [sales],
        ),
        add_rule(
            app, world, "conversation_assigned",
            [
                {"kind": "set_state", "state": "resolved"},
                {"kind": "add_label", "label_id": world.labels["dringend"]},
            ],
            [recruiting],
        ),
        add_rule(
            app, world, "state_changed",
            [{"kind": "add_note", "text": "zu tief"}],
            [{"kind": "label", "label_id": world.labels["dringend"]}],
        ),
    ]  # fmt: skip
    writes(client, world, "Hallo")
    assert MAX_DEPTH == 3
    assert [(f.rule_id, f.depth) for f in firings(app)] == [
        (rules[0], 0),
        (rules[1], 1),
        (rules[2], 2),
        (rules[3], 3),
    ]
    assert read(app, select(Conversation.state)) == ["resolved"]


def test_a_rule_never_fires_again_from_its_own_chain(app, client, world):
    """A rule reacting to assignments by assigning someone else: once."""
    writes(client, world, "Hallo")
    rule = add_rule(
        app,
        world,
        "conversation_assigned",
        [{"kind": "assign_agent", "user_id": world.owner_id}],
    )
    client.post(
        f"/inbox/{conversation(app).id}/assign", data={"assignee": world.agent_id}
    )
    assert fired(app) == [(rule, "conversation_assigned", 0)]
    assert read(app, select(Conversation.assignee_id)) == [world.owner_id]
