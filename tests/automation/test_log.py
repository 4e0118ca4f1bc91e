"""Every firing is recorded with ids and keys only, and shown on the rule's page and
in the conversation's timeline."""

import json

from leadgate.extensions import db
from leadgate.models import RuleFiring, Team

from .support import add_rule, conversation, firings, writes

SECRET_TEXT = "Vertraulicher Rückruf bei Frau Müller"


def test_a_firing_keeps_ids_and_keys_never_a_text(app, client, world):
    rule = add_rule(
        app,
        world,
        "message_received",
        [
            {"kind": "add_note", "text": SECRET_TEXT},
            {"kind": "send_text", "text": SECRET_TEXT},
            {"kind": "add_label", "label_id": world.labels["dringend"]},
        ],
        [{"kind": "text_contains", "words": "Rückruf"}],
        name="Rückruf",
    )
    writes(client, world, "Bitte um Rückruf, Jürgen Müller, 0170 1234567")
    [fired] = firings(app, rule)
    row = {
        column: getattr(fired, column)
        for column in RuleFiring.__table__.columns.keys()  # noqa: SIM118
    }
    assert row["outcomes"] == [
        ["add_note", "done"],
        ["send_text", "done"],
        ["add_label", "done"],
    ]
    assert (row["rule_id"], row["conversation_id"], row["trigger"], row["depth"]) == (
        rule,
        conversation(app).id,
        "message_received",
        0,
    )
    stored = json.dumps(row, default=str)
    for secret in ("Müller", "Rückruf", "0170", "1234567", "Jürgen"):
        assert secret not in stored


def test_the_rules_page_shows_its_last_firings(app, client, world):
    rule = add_rule(
        app,
        world,
        "message_received",
        [{"kind": "add_label", "label_id": world.labels["dringend"]}],
        name="Dringend markieren",
    )
    writes(client, world, "Hallo")
    page = client.get(f"/settings/automations/{rule}").get_data(as_text=True)
    assert "Zuletzt ausgeführt" in page
    assert "Jürgen Müller" in page  # the conversation, linked
    assert f'href="/inbox/{conversation(app).id}"' in page
    assert "Label hinzufügen" in page and "ausgeführt" in page
    assert "Label hinzufügen: „dringend“" in page  # the rule, in words


def test_the_timeline_tells_what_the_automation_did(app, client, world):
    add_rule(
        app,
        world,
        "message_received",
        [
            {"kind": "add_label", "label_id": world.labels["dringend"]},
            {"kind": "send_text", "text": "Danke!"},
        ],
        name="Begrüßen",
    )
    writes(client, world, "Hallo")
    thread = client.get(f"/inbox/{conversation(app).id}").get_data(as_text=True)
    assert (
        "Automation „Begrüßen“ ausgeführt: Label hinzufügen (ausgeführt); "
        "Text senden (im 24-Stunden-Fenster) (ausgeführt)"
    ) in thread
    assert "Automation hat das Label „dringend“ hinzugefügt" in thread
    assert '<p class="message-author">Automation</p>' in thread  # the text it sent


def test_an_agent_sees_firings_only_in_conversations_they_may_see(
    app, client, world, auth
):
    rule = add_rule(
        app,
        world,
        "message_received",
        [{"kind": "add_label", "label_id": world.labels["dringend"]}],
    )
    writes(client, world, "Hallo")
    with app.app_context():
        db.session.get(Team, world.sales_id).visibility = "team"  # agent not in it
        db.session.commit()
    auth.logout()
    auth.login("agent@example.com")
    page = client.get(f"/settings/automations/{rule}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Jürgen Müller" not in text
    assert "ein Gespräch, das Sie nicht sehen" in text
