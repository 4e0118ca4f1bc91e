"""The first-response target: due inside business hours, overdue in the list, breaches.

A team's target counts minutes of its business hours from the contact's first
waiting message until a person of the team answers. The clock is set by the
job after the drain (the contact writes through a signed webhook here), moved
"forward" by passing the sweep its `now`, and stopped by an agent's answer.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.hours.schedule import Hours
from leadgate.models import (
    AuditEvent,
    BusinessHours,
    Channel,
    Conversation,
    SlaBreach,
    Team,
    as_utc,
)
from leadgate.sla.clock import due_after, start_clocks, sweep_breaches

from ..outbound.helpers import change, customer_writes, read, run, send_text

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {str(day): [[time(9).strftime("%H:%M"), "18:00"]] for day in range(5)}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN)


def office(*closures: tuple[date, date], region: str | None = None) -> Hours:
    return Hours(
        week={day: [(time(9), time(18))] for day in range(5)},
        closures=list(closures),
        zone=BERLIN,
        region=region,
    )


FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)


def test_minutes_count_only_inside_business_hours():
    assert due_after(office(), at(MONDAY, 10), 15) == at(MONDAY, 10, 15)
    # Friday 17:50: ten minutes on Friday, five on Monday morning.
    assert due_after(office(), at(FRIDAY, 17, 50), 15) == at(MONDAY, 9, 5)
    # Written on Saturday night: the clock starts with Monday's opening.
    assert due_after(office(), at(date(2026, 12, 5), 23), 30) == at(MONDAY, 9, 30)
    # A long target spans days: 9 h a day.
    assert due_after(office(), at(MONDAY, 9), 9 * 60 + 1) == at(
        MONDAY + timedelta(1), 9, 1
    )
    # Without business hours every minute counts.
    assert due_after(None, at(FRIDAY, 17, 50), 15) == at(FRIDAY, 18, 5)


def test_holidays_and_closures_do_not_count():
    # 24 and 25 December 2026 (Thu, Fri): a closure and a holiday in every Land.
    closure = (date(2026, 12, 24), date(2026, 12, 24))
    wednesday = date(2026, 12, 23)
    due = due_after(office(closure, region="NW"), at(wednesday, 17, 55), 10)
    assert due == at(date(2026, 12, 28), 9, 5)  # Monday after Christmas
    # Fronleichnam (4 June 2026) is a holiday in Bavaria, not in Berlin.
    wednesday_before = date(2026, 6, 3)
    assert due_after(office(region="BY"), at(wednesday_before, 17, 59), 2) == at(
        date(2026, 6, 5), 9, 1
    )
    assert due_after(office(region="BE"), at(wednesday_before, 17, 59), 2) == at(
        date(2026, 6, 4), 9, 1
    )


def test_across_the_change_to_summer_time_an_hour_is_an_hour():
    # 29 March 2026: clocks go from 02:00 to 03:00. A shop open all night
    # Saturday → Sunday counts the real minutes, not the wall clock's.
    night = Hours(
        week={5: [(time(0), time(23, 59))], 6: [(time(0), time(23, 59))]},
        zone=BERLIN,
    )
    start = at(date(2026, 3, 29), 1, 30)
    due = due_after(night, start, 60)
    assert due - start == timedelta(minutes=60)
    assert due.astimezone(BERLIN).hour == 3 and due.astimezone(BERLIN).minute == 30


def set_target(app, minutes: int | None, hours: dict | None = None) -> int:
    """The number's team, with a target (and business hours, if given)."""
    with app.app_context():
        channel = db.session.scalars(select(Channel)).one()
        team = Team(
            workspace_id=channel.workspace_id,
            name="Vertrieb",
            first_response_minutes=minutes,
        )
        db.session.add(team)
        db.session.flush()
        channel.team_id = team.id
        if hours is not None:
            db.session.add(
                BusinessHours(
                    workspace_id=channel.workspace_id, team_id=team.id, week=hours
                )
            )
        db.session.commit()
        return team.id


def the_conversation() -> Conversation:
    return read(select(Conversation))[0]


def breaches() -> list[SlaBreach]:
    return read(select(SlaBreach))


def test_a_waiting_contact_gets_a_due_moment_and_the_sweep_records_the_breach(
    client, app, emulator, channel_key
):
    team_id = set_target(app, 15)
    conversation_id = customer_writes(client, emulator, channel_key)
    conversation = the_conversation()
    since = as_utc(conversation.agent_wait_since)
    due = as_utc(conversation.sla_due_at)
    assert due == since + timedelta(minutes=15)
    assert run(sweep_breaches, due - timedelta(seconds=1)) == 0
    assert run(sweep_breaches, due) == 1
    assert run(sweep_breaches, due + timedelta(minutes=1)) == 0  # once per wait
    [breach] = breaches()
    assert (
        breach.conversation_id,
        breach.team_id,
        as_utc(breach.waiting_since),
        as_utc(breach.due_at),
        breach.target_minutes,
    ) == (conversation_id, team_id, since, due, 15)
    assert as_utc(the_conversation().sla_breached_at) == due


def test_the_list_marks_and_filters_overdue_conversations(
    client, app, emulator, channel_key
):
    set_target(app, 15)
    conversation_id = customer_writes(client, emulator, channel_key)
    row = f'id="conversation-{conversation_id}"'
    page = client.get("/inbox").get_data(as_text=True)
    assert row in page and "überfällig" not in page
    assert 'id="filter-overdue"' in page
    assert row not in client.get("/inbox?overdue=1").get_data(as_text=True)
    # The contact has waited 20 minutes: the clock is set from their message.
    change(
        Conversation,
        Conversation.id == conversation_id,
        agent_wait_since=datetime.now(UTC) - timedelta(minutes=20),
        sla_due_at=None,
    )
    run(start_clocks, [conversation_id])
    overdue = client.get("/inbox?overdue=1").get_data(as_text=True)
    assert (
        row in overdue
        and '<span class="badge badge-danger">überfällig</span>' in overdue
    )


def test_an_agents_answer_stops_the_clock_for_the_rest_of_the_conversation(
    client, app, emulator, channel_key
):
    set_target(app, 15)
    conversation_id = customer_writes(client, emulator, channel_key)
    due = as_utc(the_conversation().sla_due_at)
    assert send_text(client, conversation_id).status_code in (200, 303)
    answered = the_conversation()
    assert answered.sla_due_at is None and answered.first_answered_at is not None
    assert run(sweep_breaches, due + timedelta(hours=1)) == 0
    # The contact writes again: a later answer is no longer the first.
    customer_writes(client, emulator, channel_key)
    assert the_conversation().sla_due_at is None
    # Resolved, then the contact writes: a new first answer is due.
    client.post(f"/inbox/{conversation_id}/state", data={"state": "resolved"})
    customer_writes(client, emulator, channel_key)
    reopened = the_conversation()
    assert reopened.state == "open" and reopened.first_answered_at is None
    assert reopened.sla_due_at is not None
    assert breaches() == []


def test_business_hours_of_the_team_move_the_due_moment(
    client, app, emulator, channel_key
):
    always_closed_but_sunday = {"6": [["09:00", "10:00"]]}
    set_target(app, 30, hours=always_closed_but_sunday)
    customer_writes(client, emulator, channel_key)
    conversation = the_conversation()
    due = as_utc(conversation.sla_due_at).astimezone(BERLIN)
    assert (due.weekday(), due.hour, due.minute) == (6, 9, 30)
    assert due > as_utc(conversation.agent_wait_since)


def test_a_team_without_a_target_has_no_clock(client, app, emulator, channel_key):
    set_target(app, None)
    customer_writes(client, emulator, channel_key)
    assert the_conversation().sla_due_at is None
    page = client.get("/inbox").get_data(as_text=True)
    assert 'id="filter-overdue"' not in page


def test_the_team_page_sets_the_target_and_the_audit_trail_says_so(
    client, app, emulator, channel_key
):
    team_id = set_target(app, None)
    page = client.get(f"/settings/teams/{team_id}").get_data(as_text=True)
    assert 'id="response-target-minutes"' in page
    answer = client.post(
        f"/settings/teams/{team_id}/response-target", data={"minutes": "20"}
    )
    assert answer.status_code == 303
    assert read(select(Team.first_response_minutes))[0] == 20
    refused = client.post(
        f"/settings/teams/{team_id}/response-target",
        data={"minutes": "0"},
        follow_redirects=True,
    )
    assert "Bitte eine Zahl von 1 bis 10080 angeben." in refused.get_data(as_text=True)
    assert read(select(Team.first_response_minutes))[0] == 20
    client.post(f"/settings/teams/{team_id}/response-target", data={"minutes": ""})
    assert read(select(Team.first_response_minutes))[0] is None
    actions = read(
        select(AuditEvent.details).where(
            AuditEvent.action == "team.response_target_changed"
        )
    )
    assert actions == [{"minutes": 20}, {"minutes": 0}]
    trail = client.get("/settings/audit").get_data(as_text=True)
    assert "(jetzt 20 Minuten)" in trail and "(jetzt ohne Ziel)" in trail


def test_agents_cannot_set_a_target(client, app, auth, emulator, channel_key):
    from leadgate.models import Role, Workspace

    from ..support import make_user

    team_id = set_target(app, 10)
    with app.app_context():
        workspace = db.session.scalars(select(Workspace)).one()
        make_user(
            "agent@example.com", name="Agnes", workspace=workspace, role=Role.AGENT
        )
    auth.logout()
    auth.login("agent@example.com")
    answer = client.post(
        f"/settings/teams/{team_id}/response-target", data={"minutes": "1"}
    )
    assert answer.status_code == 403
    assert read(select(Team.first_response_minutes))[0] == 10
