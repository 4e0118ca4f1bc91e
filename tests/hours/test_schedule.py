"""schedule.is_open / next_opening: weekly intervals, Bundesland holidays, closures,
a clock moved forward hour by hour, and the weeks of both daylight-saving changes.

Every moment is passed in (`at`): nothing sleeps, nothing reads the clock.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadgate.extensions import db
from leadgate.hours import schedule
from leadgate.hours.schedule import Hours, parse_week
from leadgate.models import (
    BusinessClosure,
    BusinessHours,
    Channel,
    Contact,
    Conversation,
    Team,
    Workspace,
)

from ..inbox_support import make_team

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {str(day): [["09:00", "18:00"]] if day < 5 else [] for day in range(7)}
LUNCH_BREAK = {"0": [["09:00", "12:30"], ["13:30", "18:00"]]}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def hours(week=None, region=None, closures=()) -> Hours:
    return Hours(parse_week(week or OFFICE), list(closures), BERLIN, region)


def test_two_intervals_a_day_open_from_their_start_until_just_before_their_end():
    monday = hours(LUNCH_BREAK)  # 2026-03-02 is a Monday
    assert [
        monday.is_open(berlin(2026, 3, 2, h, m))
        for h, m in (
            (8, 59),
            (9, 0),
            (12, 29),
            (12, 30),
            (13, 29),
            (13, 30),
            (17, 59),
            (18, 0),
        )
    ] == [False, True, True, False, False, True, True, False]
    assert not monday.is_open(berlin(2026, 3, 3, 10, 0))  # Tuesday: no intervals
    assert monday.next_opening(berlin(2026, 3, 2, 12, 45)) == berlin(2026, 3, 2, 13, 30)
    assert monday.next_opening(berlin(2026, 3, 2, 18, 0)) == berlin(2026, 3, 9, 9, 0)
    assert monday.next_opening(berlin(2026, 3, 2, 10, 0)) == berlin(2026, 3, 2, 10, 0)


def test_the_weekend_waits_for_monday_and_utc_moments_are_read_in_local_time():
    office = hours()
    friday_evening = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)  # 18:30 in Berlin
    assert not office.is_open(friday_evening)
    assert office.next_opening(friday_evening) == berlin(2026, 3, 9, 9, 0)
    assert office.is_open(datetime(2026, 3, 6, 16, 30, tzinfo=UTC))  # 17:30 there


def test_fronleichnam_closes_bavaria_but_not_berlin():
    corpus_christi = berlin(2026, 6, 4, 10, 0)  # a Thursday
    assert not hours(region="BY").is_open(corpus_christi)
    assert hours(region="BE").is_open(corpus_christi)
    assert hours(region=None).is_open(corpus_christi)
    wednesday_night = berlin(2026, 6, 3, 19, 0)
    assert hours(region="BY").next_opening(wednesday_night) == berlin(2026, 6, 5, 9, 0)
    assert hours(region="BE").next_opening(wednesday_night) == berlin(2026, 6, 4, 9, 0)
    # Holidays of every state: New Year, and Christmas falling on a Friday.
    for day in (berlin(2027, 1, 1, 10, 0), berlin(2026, 12, 25, 10, 0)):
        assert not hours(region="BE").is_open(day)


def test_a_closure_closes_its_days_both_included():
    summer = hours(closures=[(date(2026, 8, 3), date(2026, 8, 14))])
    assert summer.is_open(berlin(2026, 7, 31, 10, 0))
    assert not summer.is_open(berlin(2026, 8, 3, 10, 0))
    assert not summer.is_open(berlin(2026, 8, 14, 17, 0))
    assert summer.next_opening(berlin(2026, 7, 31, 18, 0)) == berlin(2026, 8, 17, 9, 0)


def test_a_clock_moved_forward_hour_by_hour_finds_45_open_hours_a_week():
    office = hours(region="NW")
    start = berlin(2026, 3, 9, 0, 30)  # Monday, a week without a holiday
    moments = [start + timedelta(hours=n) for n in range(7 * 24)]
    assert sum(office.is_open(at) for at in moments) == 5 * 9
    # Each closed moment's next opening is open, and nothing opens in between.
    for at in moments[:30]:
        opening = office.next_opening(at)
        assert office.is_open(opening) and opening >= at
        assert (
            not any(
                office.is_open(at + timedelta(minutes=m))
                for m in range(0, int((opening - at).total_seconds() // 60), 15)
            )
            or opening == at
        )


def test_the_spring_change_keeps_nine_oclock_nine_oclock():
    office = hours()  # clocks jump from 02:00 to 03:00 on Sunday 2026-03-29
    before, after = (
        datetime(2026, 3, 23, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 30, tzinfo=UTC),
    )
    assert not office.is_open(before)  # 08:30 CET
    assert office.is_open(after)  # 09:30 CEST
    opening = office.next_opening(berlin(2026, 3, 27, 18, 30))
    assert opening.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # An interval starting inside the skipped hour opens at the change itself.
    night = hours({"6": [["02:30", "05:00"]]})
    saturday = berlin(2026, 3, 28, 20, 0)
    assert night.next_opening(saturday).astimezone(UTC) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert not night.is_open(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))  # 01:59 CET
    assert night.is_open(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))  # 03:00 CEST


def test_the_autumn_change_opens_at_the_first_of_the_repeated_hour():
    office = hours()  # clocks go back from 03:00 to 02:00 on Sunday 2026-10-25
    opening = office.next_opening(berlin(2026, 10, 23, 19, 0))
    assert opening.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    night = hours({"6": [["02:30", "05:00"]]})
    first, second = (datetime(2026, 10, 25, h, 30, tzinfo=UTC) for h in (0, 1))
    assert night.is_open(first) and night.is_open(second)  # 02:30 CEST and CET
    # (compared in UTC: Python never calls a moment of the repeated hour equal
    # to one of another zone, PEP 495)
    assert night.next_opening(berlin(2026, 10, 24, 20, 0)).astimezone(UTC) == first
    # A clock moved forward in half hours: 02:30–03:00 CEST, then 02:30–05:00
    # CET again, three real hours for two and a half on the wall.
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    half_hours = [start + timedelta(minutes=30 * n) for n in range(16)]
    assert sum(night.is_open(at) for at in half_hours) == 6


def test_until_23_59_means_until_midnight():
    late = hours({"4": [["18:00", "23:59"]], "5": [["00:00", "02:00"]]})
    assert late.is_open(berlin(2026, 3, 6, 23, 59, 30))  # Friday night
    assert late.is_open(berlin(2026, 3, 7, 0, 30))  # a night shift: two intervals
    assert not late.is_open(berlin(2026, 3, 7, 2, 0))


def test_a_moment_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        hours().is_open(datetime(2026, 3, 2, 10, 0))


# Which hours hold: the number's own, else its team's; none: always open.


@pytest.fixture
def world(app):
    team = make_team(app)
    with app.app_context():
        sales = Team(workspace_id=team.workspace_id, name="Vertrieb")
        recruiting = Team(workspace_id=team.workspace_id, name="Recruiting")
        db.session.add_all([sales, recruiting])
        db.session.flush()
        channel = db.session.get(Channel, team.channel_id)
        channel.team_id = sales.id
        contact = Contact(workspace_id=team.workspace_id, wa_id="4915100000001")
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=team.workspace_id,
            channel_id=channel.id,
            contact_id=contact.id,
            team_id=sales.id,
        )
        db.session.add(conversation)
        db.session.commit()
        return {
            "workspace": team.workspace_id,
            "sales": sales.id,
            "recruiting": recruiting.id,
            "channel": channel.id,
            "conversation": conversation.id,
        }


def add_hours(world, week, active=True, **owner) -> int:
    row = BusinessHours(
        workspace_id=world["workspace"], week=week, active=active, **owner
    )
    db.session.add(row)
    db.session.flush()
    return row.id


SATURDAY_NOON = berlin(2026, 3, 7, 12, 0)
MONDAY_NOON = berlin(2026, 3, 9, 12, 0)
WEEKEND_ONLY = {"5": [["10:00", "14:00"]], "6": [["10:00", "14:00"]]}


def test_without_hours_a_team_is_always_open(app, world):
    with app.app_context():
        team = db.session.get(Team, world["sales"])
        assert schedule.is_open(team, SATURDAY_NOON)
        assert schedule.next_opening(team, SATURDAY_NOON) == SATURDAY_NOON
        assert (
            schedule.hours_for(db.session.get(Conversation, world["conversation"]))
            is None
        )


def test_a_numbers_own_hours_replace_its_teams(app, world):
    with app.app_context():
        add_hours(world, OFFICE, team_id=world["sales"])
        own = add_hours(world, WEEKEND_ONLY, channel_id=world["channel"])
        channel = db.session.get(Channel, world["channel"])
        conversation = db.session.get(Conversation, world["conversation"])
        team = db.session.get(Team, world["sales"])
        assert (
            schedule.is_open(team, SATURDAY_NOON),
            schedule.is_open(team, MONDAY_NOON),
        ) == (False, True)
        for target in (channel, conversation):
            assert schedule.is_open(target, SATURDAY_NOON)
            assert not schedule.is_open(target, MONDAY_NOON)
        db.session.get(BusinessHours, own).active = False  # the team's hold again
        assert not schedule.is_open(channel, SATURDAY_NOON)
        assert schedule.is_open(conversation, MONDAY_NOON)


def test_a_moved_conversation_follows_its_new_team(app, world):
    with app.app_context():
        add_hours(world, OFFICE, team_id=world["sales"])
        add_hours(world, WEEKEND_ONLY, team_id=world["recruiting"])
        conversation = db.session.get(Conversation, world["conversation"])
        assert not schedule.is_open(conversation, SATURDAY_NOON)
        conversation.team_id = world["recruiting"]
        assert schedule.is_open(conversation, SATURDAY_NOON)


def test_the_workspace_zone_holidays_and_closures_are_read_from_the_database(
    app, world
):
    with app.app_context():
        row = add_hours(world, OFFICE, team_id=world["sales"])
        team = db.session.get(Team, world["sales"])
        workspace = db.session.get(Workspace, world["workspace"])
        assert (
            workspace.time_zone == "Europe/Berlin" and workspace.holiday_region is None
        )
        corpus_christi = berlin(2026, 6, 4, 10, 0)
        assert schedule.is_open(team, corpus_christi)
        workspace.holiday_region = "BY"
        assert not schedule.is_open(team, corpus_christi)
        db.session.add(
            BusinessClosure(
                workspace_id=world["workspace"],
                hours_id=row,
                first_day=date(2026, 6, 5),
                last_day=date(2026, 6, 5),
                note="Brückentag",
            )
        )
        db.session.flush()
        assert schedule.next_opening(team, corpus_christi) == berlin(2026, 6, 8, 9, 0)
        # 10:00 in Berlin is 04:00 in New York: the same moment, closed there.
        workspace.time_zone = "America/New_York"
        monday = berlin(2026, 3, 9, 10, 0)
        assert not schedule.is_open(team, monday)
        assert schedule.next_opening(team, monday) == datetime(
            2026, 3, 9, 9, 0, tzinfo=ZoneInfo("America/New_York")
        )
