"""The real ways in: a webhook through the drain and its after_inbound job, a lead form."""

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    Conversation,
    Membership,
    Role,
    Team,
    TeamMember,
    Workspace,
)

from ..outbound.helpers import post_webhook
from ..support import make_user, url_in
from ..test_lead_forms import CONSENT, PRIVACY, add_form, lead, submit
from ..webhook_fixtures import meta_bytes
from .support import Setup, add_waiting, assignees, events, set_status


def sales_team(app, agents: int = 2) -> Setup:
    """The signed-in owner's number works for "Vertrieb": round robin, agents online."""
    with app.app_context():
        channel = db.session.scalars(select(Channel)).one()
        workspace = db.session.get(Workspace, channel.workspace_id)
        workspace.privacy_url, workspace.consent_text = PRIVACY, CONSENT
        ids = [
            make_user(
                f"agent{n}@example.com",
                f"Agent {n}",
                workspace=workspace,
                role=Role.AGENT,
            ).id
            for n in range(1, agents + 1)
        ]
        team = Team(
            workspace_id=workspace.id,
            name="Vertrieb",
            assignment_mode="round_robin",
            capacity=3,
        )
        db.session.add(team)
        db.session.flush()
        channel.team_id = team.id
        db.session.add_all(TeamMember(team_id=team.id, user_id=i) for i in ids)
        owner_id = db.session.scalar(
            select(Membership.user_id).where(Membership.role == "owner")
        )
        db.session.commit()
        setup = Setup(workspace.id, team.id, channel.id, owner_id, ids)
    set_status(app, setup, ids, "online")
    return setup


def customer_writes(client, emulator, key: str, number: str, text: str) -> int:
    answer = emulator.inject(**{"from": number, "deliver": False, "text": text})
    post_webhook(client, key, meta_bytes(answer["webhook"]))
    with client.application.app_context():
        return db.session.scalar(
            select(Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.wa_id == number)
        )


def test_a_webhook_through_the_drain_gets_an_agent_at_once(
    app, client, emulator, channel_key
):
    setup = sales_team(app)
    a1, a2 = setup.agents
    first = customer_writes(client, emulator, channel_key, "4915111111111", "Hallo?")
    second = customer_writes(client, emulator, channel_key, "4915122222222", "Preis?")
    assert first != second
    assert assignees(app, [first, second]) == [a1, a2]
    assert events(app, first) == [{"kind": "assigned", "to_id": a1, "automatic": True}]
    page = client.get(url_in(app, "inbox.show", conversation_id=first))
    assert "Automatisch zugewiesen: Agent 1" in page.get_data(as_text=True)
    # The contact writes again: it stays with a1.
    again = customer_writes(client, emulator, channel_key, "4915111111111", "Und?")
    assert again == first and assignees(app, [first]) == [a1]


def test_a_resolved_conversation_reopened_by_the_contact_leaves_an_offline_agent(
    app, client, emulator, channel_key
):
    setup = sales_team(app)
    a1, a2 = setup.agents
    first = customer_writes(client, emulator, channel_key, "4915111111111", "Hallo?")
    assert assignees(app, [first]) == [a1]
    answer = client.post(
        url_in(app, "inbox.change_state", conversation_id=first),
        data={"state": "resolved"},
    )
    assert answer.status_code == 303
    set_status(app, setup, [a1], "offline")
    again = customer_writes(client, emulator, channel_key, "4915111111111", "Noch da?")
    assert again == first
    assert assignees(app, [first]) == [a2]


def test_a_lead_form_submission_is_assigned_after_its_commit(app, client, channel_key):
    setup = sales_team(app)
    add_waiting(app, setup, 1, assignee_id=setup.agents[0])  # a1 holds one
    add_form(app, setup)
    answer = submit(client, lead(app))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with app.app_context():
        conversation = db.session.scalar(
            select(Conversation.id).where(Conversation.lead_submission_id.is_not(None))
        )
    assert assignees(app, [conversation]) == [setup.agents[0]]  # round robin: a1
