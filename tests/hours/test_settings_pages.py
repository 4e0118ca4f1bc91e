"""Settings → Geschäftszeiten (a team's, a number's own) and Automatische Antworten,
through the test client with CSRF on: saved and read back, refused with 422 and
the error beside its field, for owners and admins only."""

from datetime import date

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    AuditEvent,
    AutoReplySettings,
    BusinessClosure,
    BusinessHours,
    Channel,
    Team,
    Workspace,
)

from ..inbox_support import AGENT, OWNER, make_team
from ..support import url_in


@pytest.fixture
def sales(app, auth):
    """Olga Owner (signed in), the team "Vertrieb" and its number; their ids."""
    people = make_team(app)
    with app.app_context():
        team = Team(workspace_id=people.workspace_id, name="Vertrieb")
        db.session.add(team)
        db.session.flush()
        db.session.get(Channel, people.channel_id).team_id = team.id
        db.session.commit()
        ids = {"team": team.id, "channel": people.channel_id}
    auth.login(OWNER)
    return ids


def week_form(days: dict[int, list[tuple[str, str]]], **extra) -> dict:
    """The hours form: the given weekdays open in their intervals, the rest closed."""
    data = {"active": "y", "holiday_region": "", "time_zone": "Europe/Berlin"}
    for day in range(7):
        spans = days.get(day, [])
        if spans:
            data[f"day{day}-open"] = "y"
        for n, (opens, closes) in enumerate(spans, start=1):
            data[f"day{day}-opens{n}"] = opens
            data[f"day{day}-closes{n}"] = closes
    return {**data, **extra}


def team_page(client, team_id: int, data=None):
    url = url_in(client.application, "hours.team_hours", team_id=team_id)
    return client.get(url) if data is None else client.post(url, data=data)


def stored(app, model, **where):
    with app.app_context():
        rows = db.session.scalars(select(model).filter_by(**where)).all()
        db.session.expunge_all()
        return rows


def test_a_new_team_page_offers_the_office_week(client, sales):
    page = team_page(client, sales["team"]).get_data(as_text=True)
    assert "Geschäftszeiten: Vertrieb" in page
    assert "Montag" in page and "Sonntag" in page
    assert 'name="day0-opens1" type="time" value="09:00"' in page
    assert 'id="day0-open" name="day0-open" type="checkbox" value="y">' in page.replace(
        " checked", ""
    )
    assert "Bayern" in page and "Europe/Berlin" in page
    # No closures before the week is saved: nowhere to keep them yet.
    assert "Speichern Sie zuerst die wöchentlichen Zeiten" in page


def test_saving_the_week_with_a_lunch_break_and_the_bundesland(app, client, sales):
    answer = team_page(
        client,
        sales["team"],
        week_form(
            {0: [("09:00", "12:30"), ("13:30", "18:00")], 4: [("09:00", "15:00")]},
            holiday_region="BY",
            time_zone="Europe/Vienna",
        ),
    )
    assert answer.status_code == 303
    [row] = stored(app, BusinessHours, team_id=sales["team"])
    assert row.active and row.week == {
        "0": [["09:00", "12:30"], ["13:30", "18:00"]],
        "1": [],
        "2": [],
        "3": [],
        "4": [["09:00", "15:00"]],
        "5": [],
        "6": [],
    }
    [workspace] = stored(app, Workspace)
    assert (workspace.holiday_region, workspace.time_zone) == ("BY", "Europe/Vienna")
    page = client.get(answer.location).get_data(as_text=True)
    assert "Die Geschäftszeiten wurden gespeichert." in page
    [event] = stored(app, AuditEvent)
    assert (event.action, event.object_type, event.object_id, event.details) == (
        "team.hours_changed",
        "team",
        sales["team"],
        {},
    )
    assert 'name="day0-opens2" type="time" value="13:30"' in page


@pytest.mark.parametrize(
    ("spans", "field", "error"),
    [
        (
            [("18:00", "09:00")],
            "day2-closes1",
            "Das Ende muss nach dem Beginn liegen.",
        ),
        ([("09:00", "")], "day2-opens1", "Bitte Beginn und Ende angeben"),
        (
            [("09:00", "13:00"), ("12:00", "18:00")],
            "day2-opens2",
            "Das zweite Zeitfenster beginnt erst nach dem ersten.",
        ),
        (
            [("09:00", "12:00"), ("13:00", "")],
            "day2-opens2",
            "Für das zweite Zeitfenster Beginn und Ende angeben.",
        ),
    ],
)
def test_a_wrong_interval_is_refused_beside_its_field(
    app, client, sales, spans, field, error
):
    answer = team_page(client, sales["team"], week_form({2: spans}))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{error}' in page
    assert f'aria-describedby="{field}-error"' in page and 'aria-invalid="true"' in page
    assert stored(app, BusinessHours) == []


def test_a_time_zone_or_state_not_offered_is_refused(app, client, sales):
    for bad in ({"time_zone": "Mars/Olympus"}, {"holiday_region": "XX"}):
        answer = team_page(
            client, sales["team"], week_form({0: [("9:00", "18:00")]}, **bad)
        )
        assert answer.status_code == 422
        assert "Keine gültige Auswahl" in answer.get_data(as_text=True)
    assert stored(app, BusinessHours) == []


def test_without_the_csrf_token_nothing_is_saved(app, client, sales):
    url = url_in(client.application, "hours.team_hours", team_id=sales["team"])
    answer = client.post(url, data=week_form({0: [("09:00", "18:00")]}), csrf=False)
    assert answer.status_code == 400
    assert stored(app, BusinessHours) == []


def test_closures_are_added_listed_and_removed(app, client, sales):
    team_page(client, sales["team"], week_form({0: [("09:00", "18:00")]}))
    [row] = stored(app, BusinessHours)
    add = url_in(client.application, "hours.add_closure", hours_id=row.id)
    answer = client.post(
        add,
        data={
            "first_day": "2026-08-03",
            "last_day": "2026-08-14",
            "note": "Betriebsurlaub",
        },
    )
    assert answer.status_code == 303 and answer.location.endswith("#closures")
    client.post(add, data={"first_day": "2026-12-24", "note": ""})  # one day
    closures = stored(app, BusinessClosure)
    assert [(c.first_day, c.last_day, c.note) for c in closures] == [
        (date(2026, 8, 3), date(2026, 8, 14), "Betriebsurlaub"),
        (date(2026, 12, 24), date(2026, 12, 24), ""),
    ]
    page = team_page(client, sales["team"]).get_data(as_text=True)
    assert "Betriebsurlaub" in page and "14.08.2026" in page
    remove = url_in(
        client.application, "hours.delete_closure", closure_id=closures[0].id
    )
    assert client.post(remove).status_code == 303
    assert [c.note for c in stored(app, BusinessClosure)] == [""]
    assert [e.action for e in stored(app, AuditEvent)] == ["team.hours_changed"] * 4


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"first_day": "2026-08-14", "last_day": "2026-08-03"},
            "Der letzte Tag liegt vor dem ersten.",
        ),
        ({"first_day": ""}, "Bitte ein Datum angeben."),
        ({"first_day": "2026-08-03", "note": "x" * 121}, "120"),
    ],
)
def test_a_wrong_closure_is_refused_on_the_hours_page(app, client, sales, data, error):
    team_page(client, sales["team"], week_form({0: [("09:00", "18:00")]}))
    [row] = stored(app, BusinessHours)
    answer = client.post(
        url_in(client.application, "hours.add_closure", hours_id=row.id), data=data
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert error in page and 'class="error"' in page
    assert 'value="09:00"' in page  # the week as stored, not emptied by this form
    assert stored(app, BusinessClosure) == []


def test_a_number_gets_hours_of_its_own(app, client, sales):
    url = url_in(client.application, "hours.number_hours", channel_id=sales["channel"])
    page = client.get(url).get_data(as_text=True)
    assert "die Geschäftszeiten des Teams „Vertrieb“" in page
    # A number follows its team until its own hours are switched on.
    assert (
        '<input aria-describedby="active-hint" id="active" name="active" type="checkbox" value="y">'
        in page
    )
    answer = client.post(url, data=week_form({5: [("10:00", "14:00")]}))
    assert answer.status_code == 303
    [row] = stored(app, BusinessHours)
    assert (row.channel_id, row.team_id, row.week["5"]) == (
        sales["channel"],
        None,
        [["10:00", "14:00"]],
    )
    # Switched off again: kept, but the team's hours hold.
    off = week_form({5: [("10:00", "14:00")]})
    del off["active"]
    assert client.post(url, data=off).status_code == 303
    [row] = stored(app, BusinessHours)
    assert not row.active and row.week["5"] == [["10:00", "14:00"]]


def test_the_team_page_links_its_hours_and_the_numbers_own(client, sales):
    team = client.get(url_in(client.application, "teams.show", team_id=sales["team"]))
    hours = url_in(client.application, "hours.team_hours", team_id=sales["team"])
    assert f'href="{hours}"' in team.get_data(as_text=True)
    page = team_page(client, sales["team"]).get_data(as_text=True)
    number = url_in(
        client.application, "hours.number_hours", channel_id=sales["channel"]
    )
    assert f'href="{number}"' in page


REPLIES = {
    "welcome_on": "y",
    "welcome_text": "Hallo bei {workspace}!",
    "welcome_text_second": "Hello!",
    "away_on": "y",
    "away_text": "Wir antworten ab {next_opening}.",
    "away_text_second": "",
    "language": "de",
    "second_language": "en",
    "period_hours": "12",
}


def replies_page(client, data=None):
    url = url_in(client.application, "hours.auto_replies")
    return client.get(url) if data is None else client.post(url, data=data)


def test_the_replies_page_offers_default_texts_switched_off(app, client, sales):
    page = replies_page(client).get_data(as_text=True)
    assert "Automatische Antworten" in page
    assert "Wir sind gerade nicht erreichbar" in page  # the default away text
    assert 'id="welcome_on" name="welcome_on" type="checkbox" value="y">' in page
    # The overview: the team without hours, its number following it.
    assert "keine Geschäftszeiten: immer erreichbar" in page
    assert "wie das Team „Vertrieb“" in page
    assert stored(app, AutoReplySettings) == []


def test_saving_the_replies(app, client, sales):
    answer = replies_page(client, REPLIES)
    assert answer.status_code == 303
    [settings] = stored(app, AutoReplySettings)
    assert (
        settings.welcome_on,
        settings.away_on,
        settings.welcome_text,
        settings.welcome_text_second,
        settings.away_text_second,
        settings.second_language,
        settings.period_hours,
    ) == (True, True, "Hallo bei {workspace}!", "Hello!", None, "en", 12)
    assert [e.action for e in stored(app, AuditEvent)] == ["auto_replies.changed"]
    team_page(
        client, sales["team"], week_form({d: [("09:00", "18:00")] for d in range(5)})
    )
    page = replies_page(client).get_data(as_text=True)
    assert "Mo.–Fr. 09:00–18:00" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"welcome_text": "Hallo {name}"},
            "Unbekannter Platzhalter {name}. Möglich: {workspace}",
        ),
        (
            {"welcome_text": "Ab {next_opening}"},
            "Unbekannter Platzhalter {next_opening}",
        ),
        ({"away_text": ""}, "Bitte einen Text angeben, oder die Antwort ausschalten."),
        ({"away_text_second": "x" * 1001}, "Höchstens 1000 Zeichen."),
        ({"second_language": "de"}, "Bitte eine andere Sprache als die erste wählen."),
        ({"period_hours": "0"}, "Bitte eine Zahl von 1 bis 720 angeben."),
        ({"language": "xx"}, "Keine gültige Auswahl"),
    ],
)
def test_wrong_replies_are_refused_with_the_reason(app, client, sales, change, error):
    answer = replies_page(client, {**REPLIES, **change})
    assert answer.status_code == 422
    assert error in answer.get_data(as_text=True)
    assert stored(app, AutoReplySettings) == []


def test_an_empty_text_is_fine_while_its_reply_is_off(app, client, sales):
    data = {**REPLIES, "welcome_text": ""}
    del data["welcome_on"]
    assert replies_page(client, data).status_code == 303


def test_agents_may_not_open_the_settings(app, client, auth, sales):
    auth.logout()
    auth.login(AGENT)
    urls = [
        url_in(client.application, "hours.team_hours", team_id=sales["team"]),
        url_in(client.application, "hours.number_hours", channel_id=sales["channel"]),
        url_in(client.application, "hours.auto_replies"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, data=REPLIES).status_code == 403
