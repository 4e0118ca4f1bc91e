"""Each trigger ("wenn") fires its rules once its change committed, and only its rules."""

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    Conversation,
    LeadSubmission,
    RuleFiring,
    Team,
    TeamMember,
    Workspace,
)

from ..test_lead_forms import CONSENT, PRIVACY, add_form, lead, submit
from .support import add_rule, change, conversation, firings, label, read, writes


def triggers_fired(app) -> list[tuple[str, int]]:
    return [(f.trigger, f.depth) for f in firings(app)]


def test_a_message_fires_message_received_for_each_message(app, client, world):
    add_rule(app, world, "message_received", [label(world)])
    writes(client, world, "Hallo")
    writes(client, world, "Noch da?")
    assert triggers_fired(app) == [("message_received", 0)] * 2


def test_a_new_and_a_reopened_conversation_fire_conversation_opened(app, client, world):
    opened = add_rule(app, world, "conversation_opened", [label(world)])
    state = add_rule(app, world, "state_changed", [label(world, "dringend")])
    writes(client, world, "Hallo")  # opens it
    writes(client, world, "Noch da?")  # the same conversation, open: nothing
    assert len(firings(app, opened)) == 1
    change(app, Conversation, conversation(app).id, state="resolved")
    writes(client, world, "Ich schon wieder")  # reopens it: opened, state changed
    assert [f.trigger for f in firings(app, opened)] == ["conversation_opened"] * 2
    assert [f.trigger for f in firings(app, state)] == ["state_changed"]


def test_an_agent_assigning_fires_conversation_assigned(app, client, world):
    rule = add_rule(app, world, "conversation_assigned", [label(world)])
    writes(client, world)
    conversation_id = conversation(app).id
    assert firings(app, rule) == []
    response = client.post(
        f"/inbox/{conversation_id}/assign", data={"assignee": world.agent_id}
    )
    assert response.status_code == 303
    [fired] = firings(app, rule)
    assert (fired.trigger, fired.conversation_id, fired.depth) == (
        "conversation_assigned",
        conversation_id,
        0,
    )
    # Taking it away again is no assignment.
    client.post(f"/inbox/{conversation_id}/assign", data={"assignee": ""})
    assert len(firings(app, rule)) == 1


def test_an_agent_changing_the_state_fires_state_changed(app, client, world):
    rule = add_rule(app, world, "state_changed", [label(world)])
    writes(client, world)
    conversation_id = conversation(app).id
    client.post(f"/inbox/{conversation_id}/state", data={"state": "resolved"})
    client.post(
        f"/inbox/{conversation_id}/state", data={"state": "resolved"}
    )  # no change
    client.post(f"/inbox/{conversation_id}/snooze", data={"preset": "1h"})
    assert triggers_fired(app) == [("state_changed", 0)] * 2
    assert read(app, select(Conversation.state)) == ["snoozed"]
    assert len(firings(app, rule)) == 2


def test_a_lead_form_submission_fires_lead_submitted(app, client, world, auth):
    with app.app_context():
        workspace = db.session.get(Workspace, world.workspace_id)
        workspace.privacy_url, workspace.consent_text = PRIVACY, CONSENT
        db.session.commit()
    add_form(app, world)
    rule = add_rule(app, world, "lead_submitted", [label(world)])
    auth.logout()
    response = submit(client, lead(app))
    assert response.status_code == 303
    [fired] = firings(app, rule)
    [conversation_id] = read(app, select(Conversation.id))
    assert (fired.trigger, fired.conversation_id) == ("lead_submitted", conversation_id)
    assert len(read(app, select(LeadSubmission.id))) == 1


def test_rules_of_other_triggers_do_not_fire(app, client, world):
    for trigger in ("conversation_assigned", "state_changed", "lead_submitted"):
        add_rule(app, world, trigger, [label(world)])
    writes(client, world, "Hallo")
    assert read(app, select(RuleFiring.id)) == []


def test_a_rule_switched_off_never_fires(app, client, world):
    rule = add_rule(app, world, "message_received", [label(world)], enabled=False)
    writes(client, world, "Hallo")
    conversation_id = conversation(app).id
    client.post(f"/inbox/{conversation_id}/assign", data={"assignee": world.agent_id})
    assert firings(app, rule) == []
    # Switched on, it fires from the next message on.
    client.post(f"/settings/automations/{rule}/switch", data={"enabled": "on"})
    writes(client, world, "Jetzt?")
    assert len(firings(app, rule)) == 1


def test_an_assignment_from_the_backlog_fires_conversation_assigned(app, client, world):
    """A conversation that waited for an agent and is given when one comes online
    runs the same "zugewiesen" rules as one given at once, and once."""
    rule = add_rule(app, world, "conversation_assigned", [label(world)])
    with app.app_context():
        db.session.add(TeamMember(team_id=world.sales_id, user_id=world.owner_id))
        db.session.commit()
    change(app, Team, world.sales_id, assignment_mode="round_robin")
    writes(client, world)  # nobody of the team is online: it waits
    assert conversation(app).assignee_id is None
    assert firings(app, rule) == []
    response = client.post("/status", data={"status": "online", "place": "nav"})
    assert response.status_code == 303
    assert conversation(app).assignee_id == world.owner_id  # the backlog's pick-up
    [fired] = firings(app, rule)
    assert (fired.trigger, fired.conversation_id, fired.depth) == (
        "conversation_assigned",
        conversation(app).id,
        0,
    )
    writes(client, world, "Noch da?")  # theirs already: no assignment, no rule
    assert len(firings(app, rule)) == 1
