"""Each action ("dann"), table-driven: what it changes, its outcome in the firing log,
and the timeline saying "Automation" did it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    Contact,
    Conversation,
    ConversationLabel,
    Membership,
    Message,
    MessageTemplate,
    Team,
    TeamMember,
    as_utc,
    utcnow,
)

from .support import add_rule, conversation, firings, outcomes, read, writes


def contact() -> Contact:
    return db.session.scalar(select(Contact))


def the_conversation() -> Conversation:
    return db.session.scalar(select(Conversation))


def labels() -> set[int]:
    return set(db.session.scalars(select(ConversationLabel.label_id)))


def out() -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.direction == "out")))


def events(kind: str) -> list[Message]:
    return [
        m
        for m in db.session.scalars(select(Message).where(Message.direction == "event"))
        if m.details.get("kind") == kind
    ]


def automatic_team(world, online: bool, team_id: int | None = None) -> None:
    """A team (Vertrieb) assigns round robin; the agent is in it, online or not."""
    team = db.session.get(Team, team_id or world.sales_id)
    team.assignment_mode = "round_robin"
    if team.id == world.sales_id:
        db.session.add(TeamMember(team_id=team.id, user_id=world.agent_id))
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.agent_id)
    )
    membership.set_status("online" if online else "offline")


def template(world, **fields) -> int:
    row = MessageTemplate(
        workspace_id=world.workspace_id,
        waba_id="102290129340398",  # the sample payloads' number's
        meta_template_id=f"t{fields.get('name', 'x')}",
        name=fields.pop("name", "termin"),
        language="de",
        category=fields.pop("category", "UTILITY"),
        status="APPROVED",
        components=fields.pop(
            "components", {"components": [{"type": "BODY", "text": "Hallo {{1}}!"}]}
        ),
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def nothing(world):
    return None


def rule_of_summary() -> int:
    """The rule the timeline's automation event names."""
    [summary] = events("automation")
    [firing] = summary.details["firings"]
    return firing["rule_id"]


# (action, setup before the message (returns ids the action needs), outcome,
#  check of what changed)
CASES = {
    "assign to a team": (
        lambda w, _: {"kind": "assign_team", "team_id": w.recruiting_id},
        nothing,
        "done",
        lambda w: (
            the_conversation().team_id == w.recruiting_id
            and events("team_moved")[0].details["rule_id"]
        ),
    ),
    "assign to its own team": (
        lambda w, _: {"kind": "assign_team", "team_id": w.sales_id},
        nothing,
        "unchanged",
        lambda w: the_conversation().team_id == w.sales_id,
    ),
    "assign to an agent": (
        lambda w, _: {"kind": "assign_agent", "user_id": w.agent_id},
        nothing,
        "done",
        lambda w: (
            the_conversation().assignee_id == w.agent_id
            and events("assigned")[0].details
            == {
                "kind": "assigned",
                "to_id": w.agent_id,
                "rule_id": rule_of_summary(),
            }
        ),
    ),
    "assign automatically, nobody online": (
        lambda w, _: {"kind": "assign_auto"},
        lambda w: automatic_team(w, online=False),
        "waiting",
        lambda w: the_conversation().assignee_id is None,
    ),
    "assign automatically, the team does not": (
        lambda w, _: {"kind": "assign_auto"},
        nothing,
        "assign_off",
        lambda w: the_conversation().assignee_id is None,
    ),
    "add a label": (
        lambda w, _: {"kind": "add_label", "label_id": w.labels["dringend"]},
        nothing,
        "done",
        lambda w: labels() == {w.labels["dringend"]},
    ),
    "remove a label": (
        lambda w, _: {"kind": "remove_label", "label_id": w.labels["dringend"]},
        lambda w: db.session.add(
            ConversationLabel(
                conversation_id=the_conversation().id, label_id=w.labels["dringend"]
            )
        ),
        "done",
        lambda w: labels() == set(),
    ),
    "remove a label it does not have": (
        lambda w, _: {"kind": "remove_label", "label_id": w.labels["dringend"]},
        nothing,
        "unchanged",
        lambda w: labels() == set(),
    ),
    "set the state": (
        lambda w, _: {"kind": "set_state", "state": "pending"},
        nothing,
        "done",
        lambda w: the_conversation().state == "pending",
    ),
    "snooze": (
        lambda w, _: {"kind": "snooze", "hours": 3},
        nothing,
        "done",
        lambda w: (
            the_conversation().state == "snoozed"
            and abs(
                as_utc(the_conversation().snoozed_until)
                - (utcnow() + timedelta(hours=3))
            )
            < timedelta(minutes=1)
        ),
    ),
    "send a text": (
        lambda w, _: {"kind": "send_text", "text": "Danke, wir melden uns!"},
        nothing,
        "done",
        lambda w: (
            [(m.text, m.status, m.author_id, m.details) for m in out()]
            == [
                (
                    "Danke, wir melden uns!",
                    "queued",
                    None,
                    {"rule_id": rule_of_summary()},
                )
            ]
        ),
    ),
    "send a text to a contact who objected": (
        lambda w, _: {"kind": "send_text", "text": "Danke!"},
        lambda w: setattr(contact(), "opted_out_at", utcnow()),
        "objected",
        lambda w: out() == [],
    ),
    "send a text to a restricted contact": (
        lambda w, _: {"kind": "send_text", "text": "Danke!"},
        lambda w: setattr(contact(), "restricted_at", utcnow()),
        "restricted",
        lambda w: out() == [],
    ),
    "send a template, filled from the contact": (
        lambda w, ids: {"kind": "send_template", "template_id": ids},
        lambda w: template(w),
        "done",
        lambda w: [(m.type, m.text) for m in out()] == [("template", "Hallo Jürgen!")],
    ),
    "send a marketing template after an opt-out": (
        lambda w, ids: {"kind": "send_template", "template_id": ids},
        lambda w: (
            setattr(contact(), "marketing_preference", "stop"),
            template(w, name="angebot", category="MARKETING"),
        )[1],
        "marketing_opted_out",
        lambda w: out() == [],
    ),
    "send a template with a value nobody can fill in": (
        lambda w, ids: {"kind": "send_template", "template_id": ids},
        lambda w: template(
            w,
            name="termin2",
            components={
                "components": [
                    {
                        "type": "BODY",
                        "text": "Ihr Termin am {{1}}",
                        "example": {"body_text": [["12. Mai"]]},
                    }
                ]
            },
        ),
        "missing_values",
        lambda w: out() == [],
    ),
    "add a note": (
        lambda w, _: {"kind": "add_note", "text": "Bitte heute zurückrufen."},
        nothing,
        "done",
        lambda w: (
            [
                (m.text, m.author_id)
                for m in db.session.scalars(
                    select(Message).where(Message.direction == "note")
                )
            ]
            == [("Bitte heute zurückrufen.", None)]
        ),
    ),
    "set a custom field": (
        lambda w, _: {"kind": "set_field", "field_key": w.field_key, "value": "Bau"},
        nothing,
        "done",
        lambda w: contact().attributes == {"branche": "Bau"},
    ),
    "no automatic replies": (
        lambda w, _: {"kind": "auto_replies_off"},
        nothing,
        "done",
        lambda w: the_conversation().auto_replies_off is True,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_action(app, client, world, case):
    make_action, setup, outcome, check = CASES[case]
    writes(client, world, "Guten Tag")
    with app.app_context():
        made = setup(world)
        db.session.commit()
        action = make_action(world, made)
    rule = add_rule(app, world, "message_received", [action])
    writes(client, world, "Ich habe eine Frage")
    assert outcomes(app, rule) == [[[action["kind"], outcome]]]
    with app.app_context():
        assert check(world)
        told = [e.details["firings"] for e in events("automation")]
        if outcome == "unchanged":  # nothing to tell in the timeline
            assert told == []
        else:
            assert told == [
                [
                    {
                        "rule_id": rule,
                        "rule": "Regel",
                        "outcomes": [[action["kind"], outcome]],
                    }
                ]
            ]


def test_a_text_outside_the_window_is_refused(app, client, world):
    """An agent resolves a conversation a day after the contact wrote."""
    writes(client, world, "Hallo")
    with app.app_context():
        for message in db.session.scalars(select(Message)):
            message.sent_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    rule = add_rule(
        app, world, "state_changed", [{"kind": "send_text", "text": "Alles klar?"}]
    )
    client.post(f"/inbox/{conversation(app).id}/state", data={"state": "resolved"})
    assert outcomes(app, rule) == [[["send_text", "window_closed"]]]
    assert read(app, select(Message.id).where(Message.direction == "out")) == []


def test_actions_run_in_order_and_later_rules_see_earlier_ones(app, client, world):
    first = add_rule(
        app,
        world,
        "message_received",
        [
            {"kind": "add_label", "label_id": world.labels["Bewerbung"]},
            {"kind": "assign_team", "team_id": world.recruiting_id},
        ],
        [{"kind": "text_contains", "words": "Bewerbung"}],
        name="Bewerbung → Recruiting",
    )
    second = add_rule(
        app,
        world,
        "message_received",
        [{"kind": "add_note", "text": "Recruiting übernimmt."}],
        [
            {"kind": "team", "team_id": world.recruiting_id},
            {"kind": "label", "label_id": world.labels["Bewerbung"]},
        ],
    )
    writes(client, world, "Hier meine Bewerbung")
    assert outcomes(app, first) == [[["add_label", "done"], ["assign_team", "done"]]]
    assert outcomes(app, second) == [[["add_note", "done"]]]
    thread = client.get(f"/inbox/{conversation(app).id}").get_data(as_text=True)
    assert "Automation „Bewerbung → Recruiting“ ausgeführt" in thread
    assert "Automation hat das Label „Bewerbung“ hinzugefügt" in thread
    assert "Interne Notiz von Automation" in thread


def test_moved_to_a_team_that_assigns_it_is_assigned_at_once(app, client, world):
    """Recruiting assigns round robin and its agent is online: "Bewerbung" moves
    the conversation there, and routing gives it to the agent; the assignment
    then fires the rules on "assigned", one level deeper."""
    writes(client, world, "Guten Tag")
    with app.app_context():
        automatic_team(world, online=True, team_id=world.recruiting_id)
        db.session.commit()
    move = add_rule(
        app,
        world,
        "message_received",
        [
            {"kind": "assign_team", "team_id": world.recruiting_id},
            {"kind": "assign_auto"},
        ],
        [{"kind": "text_contains", "words": "Bewerbung"}],
    )
    noted = add_rule(
        app,
        world,
        "conversation_assigned",
        [{"kind": "add_note", "text": "Übernommen"}],
    )
    writes(client, world, "Meine Bewerbung")
    assert outcomes(app, move) == [[["assign_team", "done"], ["assign_auto", "done"]]]
    [fired] = firings(app, noted)
    assert (fired.trigger, fired.depth) == ("conversation_assigned", 1)
    with app.app_context():
        assert the_conversation().assignee_id == world.agent_id
        told = [f for e in events("automation") for f in e.details["firings"]]
        assert [f["rule_id"] for f in told] == [move, noted]
        assert told[0]["outcomes"][1] == ["assign_auto", "done"]
