"""Einstellungen → Automationen: the form (rows added and removed with htmx), saving,
order, switching, deleting; owners and admins keep rules, agents look."""

import re

from sqlalchemy import select

from leadgate.models import Rule

from .support import add_rule, label, only, read

HTMX = {"HX-Request": "true"}


def form_data(world, **changes) -> dict:
    data = {
        "name": "Bewerbung → Recruiting",
        "trigger": "message_received",
        "wait": "",
        "conditions-0-kind": "text_contains",
        "conditions-0-words": "Bewerbung, Lebenslauf",
        "actions-0-kind": "assign_team",
        "actions-0-team_id": str(world.recruiting_id),
        "actions-1-kind": "add_label",
        "actions-1-label_id": str(world.labels["Bewerbung"]),
        "enabled": "y",
        "new_condition": "text_contains",
        "new_action": "add_label",
        "op": "save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_settings_link_the_list_and_an_empty_form(client, world):
    assert 'href="/settings/automations"' in client.get("/settings/workspace").get_data(
        as_text=True
    )
    page = client.get("/settings/automations").get_data(as_text=True)
    assert "Noch keine Automationen." in page and "Neue Automation" in page
    form = client.get("/settings/automations/new").get_data(as_text=True)
    assert 'id="rule-form"' in form and "<legend>Wenn …</legend>" in form


def test_an_owner_saves_a_rule_of_three_parts(app, client, world):
    response = client.post("/settings/automations/new", data=form_data(world))
    assert response.status_code == 303
    rule = only(app, select(Rule))
    assert response.location == f"/settings/automations/{rule.id}"
    assert (rule.name, rule.trigger, rule.enabled, rule.position) == (
        "Bewerbung → Recruiting",
        "message_received",
        True,
        1,
    )
    assert rule.conditions == [
        {"kind": "text_contains", "words": "Bewerbung, Lebenslauf"}
    ]
    assert rule.actions == [
        {"kind": "assign_team", "team_id": world.recruiting_id},
        {"kind": "add_label", "label_id": world.labels["Bewerbung"]},
    ]


def test_rows_are_added_and_removed_with_htmx_and_nothing_is_saved(client, world):
    added = client.post(
        "/settings/automations/new",
        data=form_data(world, op="add_condition", new_condition="hours"),
        headers=HTMX,
    )
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<form id="rule-form"')
    assert "Bedingung 2: Geschäftszeiten" in html
    # The new row's first field has the focus; its choices are its kind's.
    assert re.search(r'<select autofocus[^>]*name="conditions-1-choice"', html)
    assert "außerhalb der Geschäftszeiten" in html and ">ja<" not in html
    # What was typed stays.
    assert 'value="Bewerbung, Lebenslauf"' in html
    removed = client.post(
        "/settings/automations/new",
        data=form_data(world, op="remove_action:0"),
        headers=HTMX,
    ).get_data(as_text=True)
    assert "Aktion 1: Label hinzufügen" in removed and "Aktion 2" not in removed
    assert re.search(r'<select autofocus[^>]*name="new_action"', removed)
    assert (
        client.get("/settings/automations").get_data(as_text=True).count("rule-row")
        == 0
    )


def test_without_script_a_row_button_reloads_the_page(client, world):
    page = client.post(
        "/settings/automations/new", data=form_data(world, op="add_action")
    ).get_data(as_text=True)
    assert "<html" in page and "Aktion 3: Label hinzufügen" in page


def test_the_form_refuses_what_does_not_fit(app, client, world):
    cases = [
        ({"actions-1-label_id": "999999"}, "Keine gültige Auswahl."),
        ({"conditions-0-words": "?!"}, "Bitte Wörter angeben"),
        ({"trigger": "no_agent_answer"}, "Bitte eine Zahl von 1 bis 10080."),
        (
            {
                "actions-0-kind": None,
                "actions-0-team_id": None,
                "actions-1-kind": None,
                "actions-1-label_id": None,
            },
            "Bitte mindestens eine Aktion hinzufügen.",
        ),
        ({"name": ""}, "Bitte einen Namen angeben."),
    ]
    for change, error in cases:
        response = client.post(
            "/settings/automations/new", data=form_data(world, **change)
        )
        assert response.status_code == 422, change
        assert error in response.get_data(as_text=True), change
    assert read(app, select(Rule.id)) == []


def test_a_time_trigger_keeps_its_wait_in_minutes(app, client, world):
    client.post(
        "/settings/automations/new",
        data=form_data(world, trigger="no_contact_answer", wait="24"),
    )
    rule = only(app, select(Rule))
    assert (rule.trigger, rule.wait_minutes) == ("no_contact_answer", 24 * 60)
    assert rule.timer_since is not None  # its clock starts now
    edit = client.get(f"/settings/automations/{rule.id}/edit").get_data(as_text=True)
    assert 'name="wait" type="number" value="24"' in edit


def test_editing_changes_the_rule(app, client, world):
    rule = add_rule(app, world, "message_received", [label(world)], name="Alt")
    page = client.get(f"/settings/automations/{rule}/edit").get_data(as_text=True)
    assert 'value="Alt"' in page and "Aktion 1: Label hinzufügen" in page
    response = client.post(f"/settings/automations/{rule}/edit", data=form_data(world))
    assert response.status_code == 303
    assert only(app, select(Rule)).name == "Bewerbung → Recruiting"


def test_rules_move_up_and_down_and_switch_on_and_off(app, client, world):
    first = add_rule(app, world, "message_received", [label(world)], name="Erste")
    second = add_rule(app, world, "message_received", [label(world)], name="Zweite")
    moved = client.post(
        f"/settings/automations/{second}/move", data={"direction": "up"}, headers=HTMX
    )
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "<html" not in html
    assert html.index("Zweite") < html.index("Erste")
    # At the top, its "up" button is off: the focus goes to its switch.
    assert re.search(r'role="switch" aria-checked="true" autofocus', html)
    assert html.count(" disabled>") == 2  # the first's "up", the last's "down"
    order = read(app, select(Rule.id).order_by(Rule.position))
    assert order == [second, first]
    client.post(f"/settings/automations/{second}/move", data={"direction": "down"})
    assert read(app, select(Rule.id).order_by(Rule.position)) == [first, second]
    response = client.post(
        f"/settings/automations/{first}/switch", data={"enabled": "off"}
    )
    assert response.status_code == 303
    assert read(app, select(Rule.enabled).order_by(Rule.position)) == [False, True]


def test_deleting_a_rule(app, client, world):
    rule = add_rule(app, world, "message_received", [label(world)], name="Weg")
    response = client.post(f"/settings/automations/{rule}/delete")
    assert response.status_code == 303
    assert read(app, select(Rule.id)) == []


def test_agents_may_look_but_not_change(app, client, world, auth):
    rule = add_rule(app, world, "message_received", [label(world)], name="Sichtbar")
    auth.logout()
    auth.login("agent@example.com")
    listing = client.get("/settings/automations").get_data(as_text=True)
    assert "Sichtbar" in listing and "Neue Automation" not in listing
    assert 'role="switch"' not in listing
    page = client.get(f"/settings/automations/{rule}").get_data(as_text=True)
    assert "Bearbeiten" not in page and "Ausprobieren" in page
    assert client.get(f"/settings/automations/{rule}/try").status_code == 200
    for method, url, data in [
        ("GET", "/settings/automations/new", {}),
        ("GET", f"/settings/automations/{rule}/edit", {}),
        ("POST", f"/settings/automations/{rule}/edit", form_data(world)),
        ("POST", f"/settings/automations/{rule}/switch", {"enabled": "off"}),
        ("POST", f"/settings/automations/{rule}/move", {"direction": "up"}),
        ("POST", f"/settings/automations/{rule}/delete", {}),
    ]:
        assert client.open(url, method=method, data=data).status_code == 403, url
    assert only(app, select(Rule)).enabled is True


def test_the_wait_is_asked_only_for_a_time_trigger_in_its_unit(client, world):
    page = client.get("/settings/automations/new").get_data(as_text=True)
    assert 'name="wait"' not in page
    refreshed = client.post(
        "/settings/automations/new",
        data=form_data(world, trigger="no_contact_answer", op="refresh"),
        headers=HTMX,
    ).get_data(as_text=True)
    assert "Wartezeit in Stunden" in refreshed and 'name="wait"' in refreshed
    assert re.search(r'autofocus[^>]*value="no_contact_answer"', refreshed)
