"""Response and resolution times count business hours only (hours/schedule.py
open_time_between), checked against values computed by hand."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from leadgate.hours.schedule import Hours, open_time_between, parse_week

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {str(day): [["09:00", "17:00"]] if day < 5 else [] for day in range(7)}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def office(region=None, closures=()) -> Hours:
    return Hours(parse_week(OFFICE), list(closures), BERLIN, region)


def minutes(value: timedelta) -> float:
    return value.total_seconds() / 60


def test_inside_the_same_day_it_is_the_clock_time():
    # Monday 2026-03-02, 10:00 → 10:25: 25 minutes.
    spent = open_time_between(
        office(), berlin(2026, 3, 2, 10), berlin(2026, 3, 2, 10, 25)
    )
    assert minutes(spent) == 25


def test_a_message_after_closing_counts_from_the_next_opening():
    # Monday 16:50 → Tuesday 09:15: 10 min on Monday + 15 on Tuesday.
    spent = open_time_between(
        office(), berlin(2026, 3, 2, 16, 50), berlin(2026, 3, 3, 9, 15)
    )
    assert minutes(spent) == 25


def test_the_weekend_and_a_holiday_do_not_count():
    # Friday 2026-04-03 is Good Friday (a holiday everywhere in Germany), Monday
    # 04-06 Easter Monday: Thursday 16:00 → Tuesday 10:00 is 60 + 60 minutes.
    spent = open_time_between(
        office(region="NW"), berlin(2026, 4, 2, 16), berlin(2026, 4, 7, 10)
    )
    assert minutes(spent) == 120
    # Without the holidays: also Friday and Monday, 8 hours each.
    plain = open_time_between(office(), berlin(2026, 4, 2, 16), berlin(2026, 4, 7, 10))
    assert minutes(plain) == 120 + 2 * 8 * 60


def test_a_closure_does_not_count():
    spent = open_time_between(
        office(closures=[(berlin(2026, 3, 3).date(), berlin(2026, 3, 3).date())]),
        berlin(2026, 3, 2, 16),
        berlin(2026, 3, 4, 10),
    )
    assert minutes(spent) == 60 + 60  # Monday's last hour, Wednesday's first


def test_across_the_change_to_summer_time_an_hour_is_an_hour():
    # Night to Sunday 2026-03-29 the clocks go 02:00 → 03:00; a team open all day.
    always = Hours(
        parse_week({str(d): [["00:00", "23:59"]] for d in range(7)}), [], BERLIN
    )
    spent = open_time_between(
        always, berlin(2026, 3, 29, 1, 30), berlin(2026, 3, 29, 3, 30)
    )
    assert minutes(spent) == 60  # 01:30 → 02:00 → (skipped) → 03:30


def test_without_hours_and_backwards():
    start, end = berlin(2026, 3, 7, 12), berlin(2026, 3, 7, 12, 40)
    assert minutes(open_time_between(None, start, end)) == 40  # always open
    assert open_time_between(office(), end, start) == timedelta(0)
