"""Ausprobieren: the verdicts for the last 50 conversations, and not one row changed."""

from datetime import timedelta

from sqlalchemy import select

from leadgate.automation import dryrun
from leadgate.extensions import db
from leadgate.models import Contact, Conversation, Rule, utcnow

from ..tenancy_guard import snapshot
from .support import add_rule, writes


def three_conversations(client, world) -> None:
    writes(client, world, "Hier meine Bewerbung", wa_id="4915100000001")
    writes(client, world, "Hallo", wa_id="4915100000002")
    writes(client, world, "Bewerbung als Fahrer", wa_id="4915100000003")


def test_the_dry_run_tells_per_conversation_and_changes_nothing(app, client, world):
    three_conversations(client, world)
    with app.app_context():
        blocked = db.session.scalar(
            select(Contact).where(Contact.wa_id == "4915100000003")
        )
        blocked.opted_out_at = utcnow()
        db.session.commit()
    rule = add_rule(
        app,
        world,
        "message_received",
        [
            {"kind": "add_label", "label_id": world.labels["Bewerbung"]},
            {"kind": "assign_team", "team_id": world.recruiting_id},
            {"kind": "send_text", "text": "Danke für Ihre Bewerbung!"},
        ],
        [{"kind": "text_contains", "words": "Bewerbung"}],
        name="Bewerbung",
    )
    before = snapshot(app)
    page = client.get(f"/settings/automations/{rule}/try")
    assert page.status_code == 200
    assert snapshot(app) == before  # no row of any table changed
    with app.test_request_context():  # read as the workspace (no team hidden)
        verdicts = {
            v.conversation.contact.wa_id: v
            for v in dryrun.try_rule(db.session.get(Rule, rule))
        }
        db.session.rollback()
    assert {wa_id: v.fires for wa_id, v in verdicts.items()} == {
        "4915100000001": True,
        "4915100000002": False,
        "4915100000003": True,
    }
    assert verdicts["4915100000001"].outcomes == [
        ("add_label", "done"),
        ("assign_team", "done"),
        ("send_text", "done"),
    ]
    assert verdicts["4915100000003"].outcomes[2] == ("send_text", "objected")
    assert verdicts["4915100000002"].outcomes == []
    assert [ok for _, ok in verdicts["4915100000002"].conditions] == [False]
    text = page.get_data(as_text=True)
    assert "Von den letzten 3 Gesprächen hätte die Automation 2 erfasst." in text
    assert "nicht gesendet: der Kontakt hat widersprochen" in text
    assert snapshot(app) == before


def test_trying_the_unsaved_form_changes_nothing_either(app, client, world):
    three_conversations(client, world)
    before = snapshot(app)
    response = client.post(
        "/settings/automations/new",
        data={
            "name": "Probe",
            "trigger": "message_received",
            "conditions-0-kind": "text_equals",
            "conditions-0-words": "hallo",
            "actions-0-kind": "set_state",
            "actions-0-state": "resolved",
            "enabled": "y",
            "op": "try",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Von den letzten 3 Gesprächen hätte die Automation 1 erfasst." in html
    assert "Geändert wurde nichts." in html
    assert snapshot(app) == before


def test_a_time_rule_is_tried_against_how_long_they_wait_now(app, client, world):
    three_conversations(client, world)
    with app.app_context():
        for conversation in db.session.scalars(select(Conversation)):
            contact = db.session.get(Contact, conversation.contact_id)
            if contact.wa_id == "4915100000002":
                conversation.agent_wait_since = utcnow() - timedelta(minutes=45)
        db.session.commit()
    rule = add_rule(
        app,
        world,
        "no_agent_answer",
        [{"kind": "add_label", "label_id": world.labels["dringend"]}],
        wait_minutes=30,
    )
    with app.test_request_context():
        verdicts = dryrun.try_rule(db.session.get(Rule, rule))
        fires = {v.conversation.contact.wa_id: v.fires for v in verdicts}
        db.session.rollback()
    assert fires == {
        "4915100000001": False,
        "4915100000002": True,
        "4915100000003": False,
    }
