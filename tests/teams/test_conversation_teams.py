"""Teams on conversations: the number's team at creation, the list's filter, moving one."""

import re

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Channel, Conversation, Message, Team, Workspace

from ..outbound.helpers import customer_writes, read


def make_team(app, name: str, with_number: bool = False) -> int:
    with app.app_context():
        channel = db.session.scalars(select(Channel)).first()
        team = Team(workspace_id=channel.workspace_id, name=name)
        db.session.add(team)
        db.session.flush()
        if with_number:
            channel.team_id = team.id
        db.session.commit()
        return team.id


def team_of(conversation_id: int) -> int | None:
    return read(select(Conversation.team_id).where(Conversation.id == conversation_id))[
        0
    ]


def test_a_new_conversation_gets_its_numbers_team_and_the_list_filters_by_it(
    client, app, emulator, channel_key
):
    sales = make_team(app, "Vertrieb", with_number=True)
    recruiting = make_team(app, "Recruiting")
    conversation_id = customer_writes(client, emulator, channel_key)
    assert team_of(conversation_id) == sales
    row = f'id="conversation-{conversation_id}"'
    everything = client.get("/inbox").get_data(as_text=True)
    assert row in everything
    assert re.search(
        r'<span class="team-name"><span class="visually-hidden">Team: </span>'
        r"<svg [^>]*>.*?</svg>Vertrieb</span>",
        everything,
        re.S,
    )
    assert 'id="filter-team"' in everything
    assert row in client.get(f"/inbox?team={sales}").get_data(as_text=True)
    other = client.get(f"/inbox?team={recruiting}").get_data(as_text=True)
    assert row not in other and "Keine Gespräche für diese Auswahl." in other


def test_a_conversation_moves_to_another_team_with_a_timeline_event(
    client, app, emulator, channel_key
):
    sales = make_team(app, "Vertrieb", with_number=True)
    recruiting = make_team(app, "Recruiting")
    conversation_id = customer_writes(client, emulator, channel_key)
    answer = client.post(f"/inbox/{conversation_id}/team", data={"team": recruiting})
    assert answer.status_code == 303 and team_of(conversation_id) == recruiting
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "hat das Gespräch dem Team „Recruiting“ übergeben" in thread
    assert f'<option value="{recruiting}" selected>Recruiting</option>' in thread
    client.post(f"/inbox/{conversation_id}/team", data={"team": ""})
    assert team_of(conversation_id) is None
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "hat das Gespräch aus dem Team genommen" in thread
    # Another workspace's team is no choice: refused with the reason, nothing moves.
    with app.app_context():
        elsewhere = Workspace(name="Anderswo")
        db.session.add(elsewhere)
        db.session.flush()
        theirs = Team(workspace_id=elsewhere.id, name="Fremd")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    answer = client.post(
        f"/inbox/{conversation_id}/team",
        data={"team": theirs_id},
        follow_redirects=True,
    )
    assert "Dieses Team gibt es in diesem Workspace nicht." in answer.get_data(
        as_text=True
    )
    assert team_of(conversation_id) is None
    events = read(
        select(Message.details).where(Message.direction == "event").order_by(Message.id)
    )
    assert [e["kind"] for e in events if e["kind"] == "team_moved"] == [
        "team_moved",
        "team_moved",
    ]
    assert sales != recruiting


def test_a_campaign_opens_its_conversations_in_the_numbers_team(
    client, app, emulator, channel_key
):
    from ..campaigns.helpers import create, launch, people
    from ..outbound.meta_changes import OFFER

    sales = make_team(app, "Vertrieb", with_number=True)
    label = people(app, [{"name": "Kim", "number": "+491709990003"}])
    campaign_id = create(client, label, OFFER, **{"src-BODY:1": "first_name"})
    assert launch(client, campaign_id).status_code == 303
    assert read(select(Conversation.team_id)) == [sales]
