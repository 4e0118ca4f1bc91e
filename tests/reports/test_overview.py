"""Auswertungen → Überblick: figures against hand-computed values, the "< 5" rule,
the week before, filters, dates, the CSV, roles and the other workspace."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD
from leadgate.extensions import db
from leadgate.models import ReportConversation, SlaBreach
from leadgate.reports.overview import percentile
from leadgate.reports.privacy import cell, change_cell

from .overview_support import (
    THIS_WEEK,
    WEEK,
    WEEK_BEFORE,
    a_conversation,
    add,
    breach,
    fact,
    other_workspace,
    with_target,
)

URL = "/reports/overview"


def figures(html: str, table: str = "overview-figures") -> dict[str, list[str]]:
    """key → [this period, the one before, change] of a table's rows."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for key, cells in re.findall(r'<tr id="figure-([\w-]+)">(.*?)</tr>', body, re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        rows[key] = [
            unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split())) for c in found
        ]
    return rows


@pytest.fixture
def scripted(app, client, world):
    """Two weeks of facts (see the comments for what each figure comes to)."""
    with_target(app, world)  # Vertrieb: 15 minutes; Recruiting: none
    conversation = a_conversation(app, client, world)
    at = THIS_WEEK
    firsts = [30, 60, 90, 120, 240, 600, 1200, 3000, 7200, None]
    resolutions = [600, 1800, 3600, 7200, 36000]
    this_week = [
        fact(
            world,
            at + timedelta(minutes=i),
            first,
            resolutions[i] if i < len(resolutions) else None,
            new_contact=i < 6,
        )
        for i, first in enumerate(firsts)
    ]
    recruiting = [
        fact(world, at, team_id=world.recruiting_id, channel_id=None) for _ in range(5)
    ]
    week_before = [fact(world, WEEK_BEFORE, 60, new_contact=i < 2) for i in range(6)]
    week_before.append(fact(world, WEEK_BEFORE))  # still waiting
    # Opened the week before, resolved this week: resolved this week.
    week_before.append(
        fact(world, WEEK_BEFORE, 60, 86400 * 7, resolved_at=at + timedelta(hours=1))
    )
    theirs = other_workspace(app)
    foreign = [
        fact(world, at, 30, 60, workspace_id=theirs, channel_id=None, team_id=None)
        for _ in range(20)
    ]
    add(app, *this_week, *recruiting, *week_before, *foreign)
    add(
        app,
        breach(world, conversation, at),
        breach(world, conversation, at + timedelta(days=1)),
        breach(world, conversation, at - timedelta(hours=1), workspace_id=theirs),
    )
    return world


def test_the_figures_of_a_week_beside_the_week_before(client, scripted):
    answer = client.get(URL, query_string=WEEK)
    assert answer.status_code == 200
    rows = figures(answer.get_data(True))
    # 10 + 5 openings; the week before 8 (the foreign 20 never count).
    assert rows["opened"] == ["15", "8", "+7"]
    # 6 new contacts; the week before 2: hidden, and so is the change.
    assert rows["new-contacts"] == ["6", "< 5", "–"]
    assert rows["resolved"] == ["6", "0", "+6"]
    # Vertrieb's last opening, Recruiting's five, the week before's one.
    assert rows["waiting"] == ["7", "–", "–"]
    # 30 60 90 120 240 600 1200 3000 7200: median 240 s; p90 3000 + .2 × 4200.
    assert rows["first-response-median"] == ["4 Min.", "1 Min.", "+3 Min."]
    assert rows["first-response-p90"] == ["1 Std. 4 Min.", "1 Min.", "+1 Std. 3 Min."]
    # 600 1800 3600 7200 36000: median 3600; p90 7200 + .6 × 28800 = 24480 s.
    # The week before: one resolution of its openings, so "< 5 Gespräche".
    assert rows["resolution-median"] == ["1 Std.", "< 5 Gespräche", "–"]
    assert rows["resolution-p90"] == ["6 Std. 48 Min.", "< 5 Gespräche", "–"]
    # 2 breaches of Vertrieb's 10 openings (Recruiting has no target).
    assert rows["within-target"][:3] == ["80 %", "100 %", "−20 Prozentpunkte"]


def test_the_buckets_chart_and_table_say_the_same(client, scripted):
    html = client.get(URL, query_string=WEEK).get_data(True)
    rows = figures(html, "overview-buckets")
    assert [rows[f"bucket-{i}"][0] for i in range(6)] == [
        "5",
        "< 5",
        "< 5",
        "< 5",
        "0",
        "0",
    ]
    assert rows["bucket-0"] == ["5", "7", "−2"]
    svg = html.split('<svg class="report-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "&lt; 5 Min.: 5" in svg
    # A hidden count is drawn at the length of five: the same as the full bar.
    widths = re.findall(r'<rect class="([^"]+)"[^>]* width="([\d.]+)"', svg)
    assert widths[0] == ("report-chart-bar", "180.0")
    assert widths[1] == ("report-chart-bar report-chart-bar-few", "180.0")
    assert "<caption>" in html and 'scope="row"' in html and 'scope="col"' in html


@pytest.mark.parametrize(
    "choice, opened, waiting",
    [("sales_id", "10", "< 5"), ("recruiting_id", "5", "5")],
)
def test_the_team_filter(client, scripted, choice, opened, waiting):
    team = getattr(scripted, choice)
    html = client.get(URL, query_string=WEEK | {"team": team}).get_data(True)
    rows = figures(html)
    assert rows["opened"][0] == opened
    assert rows["waiting"][0] == waiting


def test_the_number_filter_leaves_out_other_numbers(client, scripted):
    query = WEEK | {"number": scripted.channel_id}
    rows = figures(client.get(URL, query_string=query).get_data(True))
    assert rows["opened"] == ["10", "8", "+2"]
    assert rows["within-target"][0] == "80 %"


def test_recruiting_without_target_shows_no_share(client, scripted):
    query = WEEK | {"team": scripted.recruiting_id}
    rows = figures(client.get(URL, query_string=query).get_data(True))
    assert rows["within-target"][:3] == ["–", "–", "–"]
    assert rows["first-response-median"][0] == "–"


def test_few_conversations_are_never_exact(app, client, world):
    add(
        app,
        *(fact(world, THIS_WEEK, 100 * (i + 1), new_contact=True) for i in range(3)),
    )
    rows = figures(client.get(URL, query_string=WEEK).get_data(True))
    assert rows["opened"] == ["< 5", "0", "–"]
    assert rows["new-contacts"][0] == "< 5"
    assert rows["first-response-median"] == ["< 5 Gespräche", "–", "–"]
    assert rows["within-target"][0] == "–"  # no target set


def test_the_rule_in_one_place():
    exact = lambda: "exakt"  # noqa: E731
    assert [cell(n, exact, count=True) for n in (0, 1, 4, 5)] == [
        "exakt",
        "< 5",
        "< 5",
        "exakt",
    ]
    assert [cell(n, exact) for n in (0, 1, 4, 5)] == [
        "–",
        "< 5 Gespräche",
        "< 5 Gespräche",
        "exakt",
    ]
    assert change_cell(12, 3, exact, count=True) == "–"  # else 3 = 12 − 9
    assert change_cell(12, 0, exact, count=True) == "exakt"
    assert change_cell(12, 0, exact) == "–"  # a median beside none


def test_percentiles_interpolate_like_postgresql():
    values = [30, 60, 90, 120, 240, 600, 1200, 3000, 7200]
    assert percentile(values, 0.9) == pytest.approx(3840)
    assert percentile([10, 20], 0.5) == 15
    assert percentile([7], 0.9) == 7


def test_days_are_the_workspaces_days(app, client, world):
    """Berlin's 2 March starts at 23:00 UTC on 1 March; 9 March is outside."""
    inside = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    outside = datetime(2025, 3, 8, 23, 30, tzinfo=UTC)
    add(app, *(fact(world, inside) for _ in range(5)), fact(world, outside))
    rows = figures(client.get(URL, query_string=WEEK).get_data(True))
    assert rows["opened"][:2] == ["5", "0"]


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"start": "2025-02-30", "end": "2025-03-08"},
            "Bitte ein gültiges Datum angeben",
        ),
        ({"start": "gestern", "end": ""}, "Bitte ein gültiges Datum angeben"),
        ({"start": "2025-03-08", "end": "2025-03-01"}, "Das Ende liegt vor dem Beginn"),
        ({"start": "2024-01-01", "end": "2025-03-01"}, "Höchstens 366 Tage"),
        (
            {"start": "2099-01-01", "end": "2099-01-02"},
            "Der Beginn liegt in der Zukunft",
        ),
        ({"range": "ewig"}, "Bitte einen Zeitraum aus der Liste wählen"),
        ({"range": "7", "team": "abc"}, "Keine gültige Auswahl"),
    ],
)
def test_invalid_filters_are_a_form_error(client, world, query, message):
    answer = client.get(URL, query_string={"range": "custom"} | query)
    assert answer.status_code == 422
    assert message in answer.get_data(True)
    assert 'id="filter-range"' in answer.get_data(True)  # the form, to correct it
    csv = client.get(URL + ".csv", query_string={"range": "custom"} | query)
    assert csv.status_code == 422


def test_a_full_year_is_allowed(client, world):
    query = {"range": "custom", "start": "2024-03-02", "end": "2025-03-01"}
    assert client.get(URL, query_string=query).status_code == 200


@pytest.mark.parametrize("preset", ["7", "30", "90", "this_month", "last_month"])
def test_the_presets(client, world, preset):
    answer = client.get(URL, query_string={"range": preset})
    assert answer.status_code == 200 and 'id="overview-figures"' in answer.get_data(
        True
    )


def test_a_filter_change_by_htmx_answers_the_results_only(client, scripted):
    answer = client.get(URL, query_string=WEEK, headers={"HX-Request": "true"})
    html = answer.get_data(True)
    assert answer.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="overview-results"') or (
        'id="overview-results"' in html
    )
    assert "HX-Request" in answer.headers["Vary"]
    assert figures(html)["opened"][0] == "15"
    # The page's form asks for the same fragment and keeps the URL shareable.
    page = client.get(URL, query_string=WEEK).get_data(True)
    assert 'hx-get="/reports/overview"' in page and 'hx-push-url="true"' in page
    assert 'method="get"' in page  # and works as a plain GET


def test_the_csv_holds_the_figures_only(client, scripted):
    answer = client.get(URL + ".csv", query_string=WEEK)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    disposition = answer.headers["Content-Disposition"]
    assert disposition == (
        "attachment; filename=ueberblick-2025-03-02-bis-2025-03-08.csv"
    )
    lines = answer.get_data(True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Zeitraum;2. März 2025 – 8. März 2025"
    assert "Kennzahl;Zeitraum;Vorzeitraum;Veränderung" in lines
    assert "Eröffnete Gespräche;15;8;'+7" in lines
    assert "davon neue Kontakte;6;< 5;–" in lines
    assert "< 5 Min.;5;7;−2" in lines
    assert "< 15 Min.;< 5;0;–" in lines
    assert "pseudonym" not in answer.get_data(True)


def test_the_csv_names_the_filters(client, scripted):
    query = WEEK | {"team": scripted.sales_id}
    text = client.get(URL + ".csv", query_string=query).get_data(True)
    assert "Team: Vertrieb" in text.splitlines()[1]


def test_agents_may_not(client, auth, world):
    auth.logout()
    auth.login("agent@example.com")
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".csv").status_code == 403


def test_managers_find_it_in_the_navigation(client, world):
    html = client.get("/inbox/").get_data(True)
    assert 'href="/reports/overview"' in html and "Auswertungen" in html


def test_the_demo_has_a_filled_overview(app, runner, client, auth):
    runner.invoke(args=["demo-seed"])
    runner.invoke(args=["demo-seed"])  # again: nothing doubles
    with app.app_context():
        assert db.session.scalar(select(func.count(ReportConversation.id))) == 200
        assert db.session.scalar(select(func.count(SlaBreach.id))) > 5
    auth.login(DEMO_EMAIL, DEMO_PASSWORD)
    rows = figures(client.get(URL, query_string={"range": "30"}).get_data(True))
    assert rows["opened"][0] not in ("0", "< 5")
    assert rows["first-response-median"][0].endswith("Min.")
    assert rows["within-target"][0].endswith("%")
