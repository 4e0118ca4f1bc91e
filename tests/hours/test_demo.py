"""The run command's demo: both teams work Mo–Fr 9–18 with NRW's holidays, and
the welcome and away replies are switched on (German texts), seeded once."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.hours import schedule
from leadgate.models import AutoReplySettings, BusinessHours, Team, Workspace

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_demo_has_business_hours_and_replies_switched_on(runner, app):
    for _ in range(2):  # again: no second copy
        assert runner.invoke(args=["demo-seed"]).exit_code == 0
    with app.app_context():
        workspace = db.session.scalars(select(Workspace)).one()
        assert (workspace.holiday_region, workspace.time_zone) == (
            "NW",
            "Europe/Berlin",
        )
        rows = db.session.scalars(select(BusinessHours)).all()
        teams = {t.id: t for t in db.session.scalars(select(Team))}
        assert {teams[row.team_id].name for row in rows} == {"Vertrieb", "Recruiting"}
        for team in teams.values():
            assert schedule.is_open(team, datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN))
            assert not schedule.is_open(
                team, datetime(2026, 3, 9, 18, 0, tzinfo=BERLIN)
            )
            assert not schedule.is_open(
                team, datetime(2026, 3, 7, 12, 0, tzinfo=BERLIN)
            )
            # Fronleichnam is a holiday in Nordrhein-Westfalen.
            assert not schedule.is_open(
                team, datetime(2026, 6, 4, 12, 0, tzinfo=BERLIN)
            )
        [settings] = db.session.scalars(select(AutoReplySettings)).all()
        assert settings.welcome_on and settings.away_on
        assert (settings.language, settings.second_language) == ("de", None)
        assert "{next_opening}" in settings.away_text
