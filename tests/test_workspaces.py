import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Invite, Membership, Role, utcnow

from .support import PASSWORD, make_user, membership_of, workspace_of


@pytest.fixture
def team(app):
    """A workspace with an owner, an admin and an agent."""
    with app.app_context():
        owner = make_user("owner@example.com", name="Olga Owner")
        workspace = workspace_of(owner)
        admin = make_user(
            "admin@example.com", name="Adam Admin", workspace=workspace, role=Role.ADMIN
        )
        agent = make_user(
            "agent@example.com", name="Anna Agent", workspace=workspace, role=Role.AGENT
        )
        return {
            "workspace_id": workspace.id,
            "owner": membership_of(owner, workspace).id,
            "admin": membership_of(admin, workspace).id,
            "agent": membership_of(agent, workspace).id,
        }


def invite_link(response) -> str:
    return re.search(
        r'value="http://localhost(/invite/[^"]+)"', response.get_data(as_text=True)
    ).group(1)


def test_owner_invites_and_new_user_accepts_in_another_session(
    client, auth, app, team, outbox
):
    auth.login("owner@example.com")
    response = client.post(
        "/settings/members/invite",
        data={"email": "neu@example.com", "role": "agent"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="team"' in body and "<html" not in body
    link = invite_link(response)
    assert outbox[-1]["To"] == "neu@example.com" and link in outbox[-1].get_content()

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "Olga Owner" in page.get_data(as_text=True)
    response = invitee.post(
        link,
        data={"name": "Nina Neu", "email": "neu@example.com", "password": PASSWORD},
    )
    assert response.location == "/register/sent"  # the address is confirmed first
    assert outbox[-1]["To"] == "neu@example.com"
    confirm = re.search(
        r"http://localhost(/register/confirm/\S+)", outbox[-1].get_content()
    ).group(1)
    assert invitee.post(confirm).location == "/inbox"
    inbox = invitee.get("/inbox").get_data(as_text=True)
    assert "Workspace Olga Owner" in inbox
    with app.app_context():
        roles = db.session.scalars(
            select(Membership.role).where(
                Membership.workspace_id == team["workspace_id"]
            )
        ).all()
        assert sorted(roles) == ["admin", "agent", "agent", "owner"]
    # The link is used up.
    assert app.test_client().get(link).status_code == 404


def test_existing_user_accepts_invite_after_login(client, auth, app, team):
    with app.app_context():
        make_user("max@example.com", name="Max")
    auth.login("admin@example.com")
    link = invite_link(
        client.post(
            "/settings/members/invite",
            data={"email": "max@example.com", "role": "admin"},
        )
    )
    auth.logout()
    auth.login("max@example.com")
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    page = client.get("/settings/members")  # now an admin of the invited workspace
    assert page.status_code == 200 and "Olga Owner" in page.get_data(as_text=True)


def test_invite_expires_and_can_be_revoked(client, auth, app, team):
    auth.login("owner@example.com")
    link = invite_link(
        client.post(
            "/settings/members/invite", data={"email": "a@example.com", "role": "agent"}
        )
    )
    with app.app_context():
        invite = db.session.scalar(select(Invite))
        invite.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(link).status_code == 404

    link = invite_link(
        client.post(
            "/settings/members/invite", data={"email": "b@example.com", "role": "agent"}
        )
    )
    with app.app_context():
        invite_id = db.session.scalar(
            select(Invite.id).where(Invite.email == "b@example.com")
        )
    response = client.post(
        f"/settings/invites/{invite_id}/revoke", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "b@example.com" not in response.get_data(
        as_text=True
    )
    assert app.test_client().get(link).status_code == 404


def test_invite_rejects_bad_email_and_foreign_roles(client, auth, app, team):
    auth.login("admin@example.com")
    response = client.post(
        "/settings/members/invite", data={"email": "kaputt", "role": "agent"}
    )
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in response.get_data(as_text=True)
    # Admins cannot hand out the owner role.
    response = client.post(
        "/settings/members/invite", data={"email": "x@example.com", "role": "owner"}
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Invite)) is None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/settings/members"),
        ("GET", "/settings/workspace"),
        ("POST", "/settings/workspace"),
        ("POST", "/settings/members/invite"),
    ],
)
def test_agents_cannot_manage_members_or_settings(client, auth, app, team, method, url):
    auth.login("agent@example.com")
    assert (
        client.open(
            url,
            method=method,
            data={"email": "x@example.com", "role": "agent", "name": "X"},
        ).status_code
        == 403
    )


def test_agents_cannot_change_roles_or_remove_members(client, auth, app, team):
    auth.login("agent@example.com")
    assert (
        client.post(
            f"/settings/members/{team['owner']}/role", data={"role": "agent"}
        ).status_code
        == 403
    )
    assert client.post(f"/settings/members/{team['admin']}/remove").status_code == 403
    assert client.get("/inbox").status_code == 200


def test_role_changes_follow_the_owner_rules(client, auth, app, team):
    auth.login("admin@example.com")
    response = client.post(
        f"/settings/members/{team['agent']}/role",
        data={"role": "admin"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == '{"member-changed": true}'
    response = client.post(
        f"/settings/members/{team['owner']}/role", data={"role": "agent"}
    )
    assert response.status_code == 422
    assert "Nur Inhaber können andere Inhaber ändern." in response.get_data(
        as_text=True
    )
    auth.logout()
    auth.login("owner@example.com")
    response = client.post(
        f"/settings/members/{team['owner']}/role", data={"role": "admin"}
    )
    assert response.status_code == 422
    assert "mindestens einen Inhaber" in response.get_data(as_text=True)
    assert (
        client.post(
            f"/settings/members/{team['admin']}/role", data={"role": "owner"}
        ).status_code
        == 200
    )
    with app.app_context():
        assert db.session.get(Membership, team["admin"]).role == "owner"
        assert db.session.get(Membership, team["agent"]).role == "admin"


def test_remove_member_and_last_owner_protection(client, auth, app, team):
    auth.login("owner@example.com")
    response = client.post(
        f"/settings/members/{team['agent']}/remove", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert (
        "Anna Agent"
        not in response.get_data(as_text=True).split(
            "wurde aus dem Workspace entfernt"
        )[1]
    )
    response = client.post(f"/settings/members/{team['owner']}/remove")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Membership, team["agent"]) is None
        assert db.session.get(Membership, team["owner"]) is not None
    # The removed agent sees no workspace data and can start a workspace of their own.
    other = app.test_client()
    other.post("/login", data={"email": "agent@example.com", "password": PASSWORD})
    response = other.get("/inbox")
    assert (
        response.status_code == 302
        and response.headers["Location"] == "/workspaces/new"
    )
    assert other.get("/settings/members").headers["Location"] == "/workspaces/new"
    page = other.get("/workspaces/new").get_data(as_text=True)
    assert "keinem Workspace" in page and "Workspace Olga Owner" not in page
    assert other.post("/workspaces/new", data={"name": ""}).status_code == 422
    assert other.post("/workspaces/new", data={"name": "Annas Team"}).status_code == 302
    assert "Annas Team" in other.get("/inbox").get_data(as_text=True)


def test_workspace_rename(client, auth, app, team):
    auth.login("owner@example.com")
    assert client.post("/settings/workspace", data={"name": ""}).status_code == 422
    assert (
        client.post("/settings/workspace", data={"name": "Neue GmbH"}).status_code
        == 302
    )
    assert "Neue GmbH" in client.get("/inbox").get_data(as_text=True)


def test_switch_between_own_workspaces(client, auth, app, team):
    with app.app_context():
        owner = make_user("multi@example.com", name="Mia Multi")
        second = workspace_of(owner)
        db.session.add(
            Membership(workspace_id=team["workspace_id"], user=owner, role="agent")
        )
        db.session.commit()
        second_id = second.id
    auth.login("multi@example.com")
    assert "Workspace Mia Multi" in client.get("/inbox").get_data(as_text=True)
    response = client.post(
        "/workspaces/switch", data={"workspace_id": team["workspace_id"]}
    )
    assert response.status_code == 302
    assert "Workspace Olga Owner" in client.get("/inbox").get_data(as_text=True)
    client.post("/workspaces/switch", data={"workspace_id": second_id})
    assert "Workspace Mia Multi" in client.get("/inbox").get_data(as_text=True)
