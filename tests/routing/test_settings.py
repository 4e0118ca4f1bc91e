"""The team's assignment settings (Einstellungen → Teams → a team → Automatische Zuweisung)."""

import re

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import AuditEvent, Team, TeamMember

from ..support import url_in
from .support import OWNER, add_waiting, agent_email, assignees, make_setup

FORM = {"assignment_mode": "round_robin", "capacity": "2"}


def save(client, team_id: int, **data):
    return client.post(
        url_in(client.application, "teams.assignment", team_id=team_id), data=data
    )


def team_settings(app, team_id: int) -> tuple:
    with app.app_context():
        team = db.session.get(Team, team_id)
        own = dict(
            db.session.execute(
                select(TeamMember.user_id, TeamMember.capacity).where(
                    TeamMember.team_id == team_id
                )
            ).all()
        )
        return team.assignment_mode, team.capacity, team.sticky, own


def audited(app) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.action == "team.assignment_changed")
                .order_by(AuditEvent.id)
            )
        )


def test_an_owner_sets_mode_capacity_sticky_and_a_members_own_capacity(
    app, client, auth
):
    setup = make_setup(app, agents=2, mode="off", capacity=10, online=False)
    a1, a2 = setup.agents
    auth.login(OWNER)
    show = client.get(url_in(app, "teams.show", team_id=setup.team_id))
    html = show.get_data(as_text=True)
    assert 'id="assignment"' in html and "Automatische Zuweisung" in html
    assert re.search(
        rf'id="assignment-member-{a1}".*?Offline · 0 offene Gespräche', html, re.S
    )
    answer = save(
        client,
        setup.team_id,
        **{**FORM, "sticky": "y", f"capacity_{a1}": "1", f"capacity_{a2}": ""},
    )
    assert answer.status_code == 303
    assert answer.location.endswith(f"/settings/teams/{setup.team_id}#assignment")
    assert team_settings(app, setup.team_id) == (
        "round_robin",
        2,
        True,
        {a1: 1, a2: None},
    )
    assert audited(app) == [
        {"mode": "round_robin", "fields": ["capacity", "sticky", "member_capacity"]}
    ]
    page = client.get(answer.location).get_data(as_text=True)
    assert "Zuweisung für „Vertrieb“ gespeichert." in page
    assert re.search(rf'id="capacity_{a1}"[^>]*value="1"', page)
    # Saving it unchanged records nothing.
    save(client, setup.team_id, **{**FORM, "sticky": "y", f"capacity_{a1}": "1"})
    assert len(audited(app)) == 1
    trail = client.get(url_in(app, "privacy.audit_trail")).get_data(as_text=True)
    assert "hat die automatische Zuweisung für das" in trail
    assert "jetzt: Reihum" in trail


def test_invalid_numbers_are_refused_and_the_page_keeps_both_forms(app, client, auth):
    setup = make_setup(app, agents=1, mode="off", capacity=10, online=False)
    [a1] = setup.agents
    auth.login(OWNER)
    for data in (
        {**FORM, "capacity": "0"},
        {**FORM, "capacity": "tausend"},
        {**FORM, f"capacity_{a1}": "1000"},
        {**FORM, "assignment_mode": "zufall"},
    ):
        answer = save(client, setup.team_id, **data)
        assert answer.status_code == 422, data
        html = answer.get_data(as_text=True)
        assert 'class="error"' in html
        # The team's other form shows the team as it is (its member still ticked).
        assert re.search(
            rf'<input checked id="members-\d+" name="members" type="checkbox" value="{a1}"',
            html,
        )
    assert team_settings(app, setup.team_id)[0:2] == ("off", 10)


def test_a_capacity_field_of_someone_outside_the_team_is_ignored(app, client, auth):
    setup = make_setup(app, agents=1, mode="off", online=False)
    auth.login(OWNER)
    answer = save(client, setup.team_id, **{**FORM, f"capacity_{setup.owner_id}": "7"})
    assert answer.status_code == 303
    _, _, _, own = team_settings(app, setup.team_id)
    assert own == {setup.agents[0]: None}


def test_agents_may_not_change_it(app, client, auth):
    setup = make_setup(app, agents=1, mode="off")
    auth.login(agent_email(1))
    assert save(client, setup.team_id, **FORM).status_code == 403
    assert team_settings(app, setup.team_id)[0] == "off"


def test_switching_it_on_shares_out_the_waiting_conversations(app, client, auth):
    setup = make_setup(app, agents=2, mode="off", capacity=5)
    waiting = add_waiting(app, setup, 3)
    auth.login(OWNER)
    save(client, setup.team_id, **FORM)
    a1, a2 = setup.agents
    assert assignees(app, waiting) == [a1, a2, a1]


def test_a_new_member_who_is_online_takes_from_the_backlog(app, client, auth):
    setup = make_setup(app, agents=2, capacity=1)
    a1, a2 = setup.agents
    with app.app_context():
        db.session.query(TeamMember).filter(TeamMember.user_id == a2).delete()
        db.session.commit()
    waiting = add_waiting(app, setup, 3)
    assert assignees(app, waiting) == [None, None, None]
    auth.login(OWNER)
    answer = client.post(
        url_in(app, "teams.show", team_id=setup.team_id),
        data={
            "name": "Vertrieb",
            "visibility": "workspace",
            "members": [a1, a2],
            "channels": [setup.channel_id],
        },
    )
    assert answer.status_code == 303
    assert assignees(app, waiting) == [a1, a2, None]
