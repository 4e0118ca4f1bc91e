"""Settings → Teams: a workspace's teams, their members and numbers, and what follows a number."""

import re

import pytest
from sqlalchemy import select

from leadgate.channels.services import create_channel
from leadgate.demo import DEMO_EMAIL
from leadgate.extensions import db
from leadgate.models import (
    AuditEvent,
    Channel,
    Conversation,
    Membership,
    Team,
    TeamMember,
    User,
)
from leadgate.teams import services

from .inbox_support import AGENT, OWNER, add_conversations, make_team
from .support import assert_cross_workspace_404, make_user, url_in, workspace_of

SALES_FORM = {"name": "Vertrieb"}


@pytest.fixture
def people(app, auth):
    """Olga Owner (signed in), Arne Agent and the number "Vertrieb"."""
    people = make_team(app)
    auth.login(OWNER)
    return people


def create(client, name: str) -> int:
    answer = client.post(url_in(client.application, "teams.index"), data={"name": name})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with client.application.app_context():
        return db.session.scalar(select(Team.id).where(Team.name == name))


def save(
    client, team_id: int, name: str, members=(), channels=(), visibility="workspace"
):
    return client.post(
        url_in(client.application, "teams.show", team_id=team_id),
        data={
            "name": name,
            "visibility": visibility,
            "members": list(members),
            "channels": list(channels),
        },
    )


def page(client, endpoint: str, **values) -> str:
    answer = client.get(url_in(client.application, endpoint, **values))
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def ticked(html: str, name: str) -> set[int]:
    """The values of the ticked inputs of this name (WTForms sorts attributes)."""
    pattern = rf'<input checked id="{name}-\d+" name="{name}" type="\w+" value="(\w+)"'
    return {int(v) if v.isdigit() else v for v in re.findall(pattern, html)}


def team_of(app, model, row_id: int) -> int | None:
    with app.app_context():
        return db.session.get(model, row_id).team_id


def members_of(app, team_id: int) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(TeamMember.user_id).where(TeamMember.team_id == team_id)
            )
        )


def events(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.action, e.object_id, e.details)
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.like("team.%"))
                .order_by(AuditEvent.id)
            )
        ]


def test_an_owner_creates_a_team_and_a_taken_name_is_refused(client, app, people):
    assert "/settings/teams" in page(client, "workspaces.settings")
    assert "Noch keine Teams." in page(client, "teams.index")
    answer = client.post(url_in(app, "teams.index"), data=SALES_FORM)
    with app.app_context():
        team = db.session.scalars(select(Team)).one()
        assert (team.workspace_id, team.name, team.visibility) == (
            people.workspace_id,
            "Vertrieb",
            "workspace",
        )
    assert answer.headers["Location"] == url_in(app, "teams.show", team_id=team.id)
    listing = page(client, "teams.index")
    assert f'id="team-{team.id}"' in listing
    assert "0 Mitglieder" in listing and "keine WhatsApp-Nummer" in listing
    # Who sees a team's conversations is not offered before it is enforced.
    assert "Wer sieht die Gespräche?" not in listing
    again = client.post(url_in(app, "teams.index"), data=SALES_FORM)
    assert again.status_code == 422
    assert "Dieses Team gibt es schon." in again.get_data(as_text=True)
    recruiting = create(client, "Recruiting")
    # A rename to a taken name is refused too; the team keeps its own.
    assert save(client, recruiting, "Vertrieb").status_code == 422
    with app.app_context():
        assert db.session.get(Team, recruiting).name == "Recruiting"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": " "}, "Bitte einen Namen angeben."),
        ({"name": "x" * 61}, 'id="name-error"'),
    ],
)
def test_a_team_needs_a_short_name(client, app, people, form, error):
    answer = client.post(url_in(app, "teams.index"), data=form)
    assert answer.status_code == 422
    assert error in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Team)).all() == []


def test_the_team_page_sets_name_members_and_numbers(client, app, people):
    team_id = create(client, "Vertrieb")
    form = page(client, "teams.show", team_id=team_id)
    assert "Olga Owner" in form and "Arne Agent" in form and "ohne Team" in form
    answer = save(
        client,
        team_id,
        "Vertrieb Nord",
        members=[people.owner_id, people.agent_id],
        channels=[people.channel_id],
    )
    assert answer.status_code == 303
    assert members_of(app, team_id) == {people.owner_id, people.agent_id}
    assert team_of(app, Channel, people.channel_id) == team_id
    with app.app_context():
        team = db.session.get(Team, team_id)
        assert (team.name, team.visibility) == ("Vertrieb Nord", "workspace")
    form = page(client, "teams.show", team_id=team_id)
    assert ticked(form, "members") == {people.owner_id, people.agent_id}
    assert ticked(form, "channels") == {people.channel_id}
    listing = page(client, "teams.index")
    assert "2 Mitglieder · Vertrieb" in listing
    # Unticked: out of the team.
    answer = save(client, team_id, "Vertrieb Nord", members=[people.agent_id])
    assert answer.status_code == 303
    assert members_of(app, team_id) == {people.agent_id}
    assert team_of(app, Channel, people.channel_id) is None


def test_only_the_workspaces_members_and_numbers_are_choices(client, app, people):
    team_id = create(client, "Vertrieb")
    with app.app_context():
        outsider = make_user("aussen@example.com", name="Otto Außen")
        elsewhere = create_channel(
            workspace_of(outsider),
            name="Fremdnummer",
            phone_number_id="4000000001",
            waba_id="4000000002",
            access_token="t",
            app_secret="s",
        )
        db.session.commit()
        outsider_id, elsewhere_id = outsider.id, elsewhere.id
    assert save(client, team_id, "Vertrieb", members=[outsider_id]).status_code == 422
    assert save(client, team_id, "Vertrieb", channels=[elsewhere_id]).status_code == 422
    # The services ignore them too, whoever calls them.
    with app.app_context():
        team = db.session.get(Team, team_id)
        owner = db.session.get(User, people.owner_id)
        services.set_members(team, [outsider_id, people.agent_id], owner)
        services.set_numbers(team, [elsewhere_id], owner)
        db.session.commit()
    assert members_of(app, team_id) == {people.agent_id}
    assert team_of(app, Channel, elsewhere_id) is None


def test_a_number_given_to_another_team_takes_its_conversations_along(
    client, app, people
):
    sales, recruiting, service = (
        create(client, name) for name in ("Vertrieb", "Recruiting", "Kundendienst")
    )
    answer = save(client, sales, "Vertrieb", channels=[people.channel_id])
    assert answer.status_code == 303
    sales_one, no_team, moved_on = (
        add_conversations(app, people, 1, team_id=team_id)[0]
        for team_id in (sales, None, service)
    )
    shown = page(client, "teams.show", team_id=recruiting)
    assert "jetzt bei „Vertrieb“" in shown
    answer = save(client, recruiting, "Recruiting", channels=[people.channel_id])
    assert answer.status_code == 303
    assert team_of(app, Channel, people.channel_id) == recruiting
    assert team_of(app, Conversation, sales_one) == recruiting
    assert team_of(app, Conversation, no_team) == recruiting
    assert team_of(app, Conversation, moved_on) == service  # moved by someone: stays
    assert "jetzt bei „Recruiting“" in page(client, "teams.show", team_id=sales)
    assert events(app)[-1] == (
        "team.numbers_changed",
        recruiting,
        {"added": 1, "removed": 0, "taken": 1, "moved": 2},
    )
    # A number that only leaves its team takes that team's conversations out of it.
    assert save(client, recruiting, "Recruiting").status_code == 303
    assert team_of(app, Channel, people.channel_id) is None
    assert team_of(app, Conversation, sales_one) is None
    assert team_of(app, Conversation, moved_on) == service
    assert events(app)[-1][2] == {"added": 0, "removed": 1, "taken": 0, "moved": 2}


def test_deleting_a_team_leaves_its_numbers_and_conversations_without_team(
    client, app, people
):
    team_id = create(client, "Vertrieb")
    save(
        client,
        team_id,
        "Vertrieb",
        members=[people.owner_id, people.agent_id],
        channels=[people.channel_id],
    )
    conversations = add_conversations(app, people, 2, team_id=team_id)
    shown = page(client, "teams.show", team_id=team_id)
    assert 'data-confirm-open="delete-team"' in shown
    assert 'action="' + url_in(app, "teams.delete", team_id=team_id) in shown
    assert "gehören danach zu keinem Team" in shown
    answer = client.post(url_in(app, "teams.delete", team_id=team_id))
    assert answer.status_code == 303
    assert answer.headers["Location"] == url_in(app, "teams.index")
    with app.app_context():
        assert db.session.get(Team, team_id) is None
        assert db.session.scalars(select(TeamMember)).all() == []
        assert db.session.get(Channel, people.channel_id).team_id is None
        for conversation_id in conversations:
            assert db.session.get(Conversation, conversation_id).team_id is None
    assert events(app)[-1] == (
        "team.deleted",
        team_id,
        {"members": 2, "channels": 1, "conversations": 2},
    )
    assert "Team „Vertrieb“ gelöscht." in page(client, "teams.index")


def test_the_audit_trail_tells_each_change_with_ids_and_counts(client, app, people):
    team_id = create(client, "Vertrieb")
    save(client, team_id, "Vertrieb", members=[people.agent_id])
    save(client, team_id, "Vertrieb Süd", members=[people.agent_id])
    save(client, team_id, "Vertrieb Süd")  # the name stays: only the member leaves
    save(client, team_id, "Vertrieb Süd", visibility="team")
    assert [(action, details) for action, _id, details in events(app)] == [
        ("team.created", {}),
        ("team.members_changed", {"added": 1, "removed": 0}),
        ("team.updated", {"fields": ["name"]}),
        ("team.members_changed", {"added": 0, "removed": 1}),
        ("team.visibility_changed", {"visibility": "team"}),
    ]
    trail = page(client, "privacy.audit_trail")
    link = f'<a href="{url_in(app, "teams.show", team_id=team_id)}">'
    assert f"Olga Owner hat das {link}Team „Vertrieb Süd“</a> angelegt" in trail
    assert "geändert (Name)" in trail
    assert "</a> geändert (1 hinzugefügt)" in trail
    assert "wer die Gespräche im " in trail and "(jetzt nur das Team)" in trail
    client.post(url_in(app, "teams.delete", team_id=team_id))
    trail = page(client, "privacy.audit_trail")
    assert f"Olga Owner hat das Team #{team_id} gelöscht" in trail
    assert link not in trail


def test_who_leaves_the_workspace_leaves_its_teams(client, app, people):
    team_id = create(client, "Vertrieb")
    save(client, team_id, "Vertrieb", members=[people.owner_id, people.agent_id])
    with app.app_context():
        membership_id = db.session.scalar(
            select(Membership.id).where(Membership.user_id == people.agent_id)
        )
    client.post(url_in(app, "workspaces.remove_member", membership_id=membership_id))
    assert members_of(app, team_id) == {people.owner_id}
    assert "1 Mitglied ·" in page(client, "teams.index")


def test_agents_get_403(client, app, auth, people):
    team_id = create(client, "Vertrieb")
    auth.logout()
    auth.login(AGENT)
    for method, endpoint in [
        ("GET", "teams.index"),
        ("POST", "teams.index"),
        ("GET", "teams.show"),
        ("POST", "teams.show"),
        ("POST", "teams.delete"),
    ]:
        url = url_in(app, endpoint, team_id=team_id)
        answer = client.open(url, method=method, data=SALES_FORM)
        assert answer.status_code == 403, (method, endpoint)
    with app.app_context():
        assert db.session.get(Team, team_id).name == "Vertrieb"


def test_another_workspaces_team_is_404(client, app, people):
    with app.app_context():
        owner = make_user("andere@example.com", name="Anna Andere")
        theirs = Team(workspace_id=workspace_of(owner).id, name="Fremdteam")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    assert_cross_workspace_404(
        client,
        [
            ("GET", url_in(app, "teams.show", team_id=theirs_id)),
            ("POST", url_in(app, "teams.show", team_id=theirs_id)),
            ("POST", url_in(app, "teams.delete", team_id=theirs_id)),
        ],
    )
    assert "Fremdteam" not in page(client, "teams.index")
    with app.app_context():
        assert db.session.get(Team, theirs_id).name == "Fremdteam"


def test_the_demo_has_two_teams_and_its_number_works_for_vertrieb(runner, app):
    for _ in range(2):  # again: no second copy
        assert runner.invoke(args=["demo-seed"]).exit_code == 0
    with app.app_context():
        teams = {team.name: team for team in db.session.scalars(select(Team))}
        assert set(teams) == {"Vertrieb", "Recruiting"}
        owner = db.session.scalar(select(User.id).where(User.email == DEMO_EMAIL))
        for team in teams.values():
            assert owner in services.member_ids(team)
        channel = db.session.scalars(select(Channel)).one()
        assert channel.team_id == teams["Vertrieb"].id
        assert set(db.session.scalars(select(Conversation.team_id))) == {
            teams["Vertrieb"].id
        }
