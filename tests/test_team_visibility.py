"""A team that is "only the team" is hidden from the workspace's other agents.

The tenancy guard's world (tests/tenancy_world.py) gets a restricted team in
OUR workspace: "Geheim-Team" with its own number, Hanna's conversation (a text
and a stored image), and Klara, who writes to the restricted team and to our
team-less number. Udo is an agent of our workspace outside the team.

Every registry probe aimed at their conversation, contact or message is sent
again as Udo, aimed at Hanna's: it must get the answer it gets for another
workspace (404, or 403 where the page is for owners and admins), show nothing
of the hidden team's conversations and change no row. The lists, search,
contact page, campaign page and the live stream are checked the same way, and
Tina (a member) and the owner prove the data is there to be seen.
"""

from dataclasses import dataclass, replace

import pytest
from sqlalchemy import select, update

from leadgate import live
from leadgate.channels.services import create_channel
from leadgate.extensions import db, limiter
from leadgate.media import store_bytes
from leadgate.models import (
    CampaignRecipient,
    Contact,
    Conversation,
    Message,
    Role,
    Team,
    TeamMember,
    User,
    Workspace,
    utcnow,
)

from .support import AuthActions, close_app, make_app, make_user
from .tenancy_guard import WORKSPACE, Probe, Ref, check, snapshot
from .tenancy_registry import REGISTRY
from .tenancy_world import OUR_EMAIL, World, build_world
from .test_live import next_events, open_stream

OUTSIDER = "udo@example.com"
MEMBER = "tina@example.com"
# What the hidden team's conversations hold; no answer to Udo may show it.
HIDDEN_TEXTS = ("Hanna Heimlich", "streng vertraulich", "Kreuz-Geheimnis")
# The probes' targets that belong to a team through their conversation.
TEAM_BOUND = {"conversation", "contact", "message"}


@dataclass(frozen=True)
class Hidden:
    """Hanna's objects, in the place of theirs (`THEIRS.conversation` …)."""

    conversation: int
    contact: int
    message: int  # her image, stored
    team: int
    klara: int  # a contact of the hidden team and of our team-less number
    klara_hidden: int  # her conversation in the hidden team


@pytest.fixture(scope="module")
def module_app(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("media"))
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def world(module_app) -> World:
    return build_world(module_app)


@pytest.fixture(scope="module")
def hidden(module_app, world) -> Hidden:
    with module_app.app_context():
        return build_hidden(world)


@pytest.fixture(autouse=True)
def fresh_limits(module_app):
    with module_app.app_context():
        limiter.reset()


def signed_in(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


@pytest.fixture(scope="module")
def udo(module_app, hidden):
    return signed_in(module_app, OUTSIDER)


def build_hidden(world: World) -> Hidden:
    workspace = db.session.get(Workspace, world.ours.workspace)
    make_user(OUTSIDER, name="Udo Unbeteiligt", workspace=workspace, role=Role.AGENT)
    tina = make_user(MEMBER, name="Tina Team", workspace=workspace, role=Role.AGENT)
    team = Team(workspace_id=workspace.id, name="Geheim-Team", visibility="team")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=tina.id))
    channel = create_channel(
        workspace,
        name="Geheim-Nummer",
        phone_number_id="1000000011",
        waba_id="1000000002",
        access_token="a-token",
        app_secret="a-secret",
    )
    channel.team_id = team.id
    hanna = Contact(
        workspace_id=workspace.id, wa_id="491709990001", name="Hanna Heimlich"
    )
    klara = Contact(workspace_id=workspace.id, wa_id="491709990002", name="Klara Kreuz")
    db.session.add_all([hanna, klara])
    db.session.flush()
    conversation = thread(hanna, channel.id, team.id, "Das ist streng vertraulich")
    image = Message.of(
        conversation,
        direction="in",
        type="image",
        media_sha256=store_bytes(b"geheimes Bild"),
        media_state="stored",
        media_mime_type="image/jpeg",
        sent_at=utcnow(),
    )
    db.session.add(image)
    klara_hidden = thread(klara, channel.id, team.id, "Kreuz-Geheimnis")
    thread(klara, world.ours.channel, None, "Kreuz offen")
    db.session.add(
        CampaignRecipient(
            campaign_id=world.ours.campaign,
            workspace_id=workspace.id,
            contact_id=hanna.id,
            position=1,
            state="planned",
        )
    )
    db.session.commit()
    return Hidden(
        conversation=conversation.id,
        contact=hanna.id,
        message=image.id,
        team=team.id,
        klara=klara.id,
        klara_hidden=klara_hidden.id,
    )


def thread(contact: Contact, channel_id: int, team_id, text: str) -> Conversation:
    conversation = Conversation(
        workspace_id=contact.workspace_id,
        channel_id=channel_id,
        contact_id=contact.id,
        team_id=team_id,
        last_message_preview=text,
        last_activity_at=utcnow(),
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(
        Message.of(
            conversation, direction="in", type="text", text=text, sent_at=utcnow()
        )
    )
    return conversation


def aimed_at_the_team(probe: Probe) -> bool:
    """Whether the probe names their team-bound objects and nothing else of theirs.

    A probe that also names another of their objects (a label, a template)
    tests the workspace boundary, not the team's: it is left out.
    """
    refs = [
        value
        for value in (*probe.args.values(), *probe.form.values())
        if isinstance(value, Ref) and value.side == "theirs"
    ]
    return bool(refs) and all(ref.name in TEAM_BOUND for ref in refs)


def team_probes(app, endpoint: str) -> list[Probe]:
    """The entry's probes aimed at the team, with the answer Udo gets."""
    roles = getattr(app.view_functions[endpoint], "roles", ())
    for_managers = bool(roles) and Role.AGENT not in roles
    return [
        replace(probe, expect=403, shows="") if for_managers else probe
        for probe in REGISTRY[endpoint].probes
        if aimed_at_the_team(probe)
    ]


def endpoints() -> list[str]:
    return sorted(
        endpoint
        for endpoint, entry in REGISTRY.items()
        if entry.access == WORKSPACE and any(map(aimed_at_the_team, entry.probes))
    )


@pytest.mark.parametrize("endpoint", endpoints())
def test_the_hidden_team_is_a_404_for_an_agent_outside_it(
    module_app, world, hidden, udo, endpoint
):
    as_hanna = World(ours=world.ours, theirs=hidden)  # type: ignore[arg-type]
    check(
        module_app,
        udo,
        as_hanna,
        endpoint,
        REGISTRY[endpoint],
        probes=team_probes(module_app, endpoint),
        secrets=HIDDEN_TEXTS,
    )


def test_the_probes_cover_conversation_contact_and_message():
    """The parametrised test above reaches every kind of team-bound object."""
    covered = endpoints()
    for endpoint in ("inbox.show", "inbox.media", "contacts.show", "inbox.send"):
        assert endpoint in covered


@pytest.mark.parametrize(
    "path",
    [
        "/inbox",
        "/inbox?q=Hanna",
        "/inbox?q=Kreuz",
        "/inbox?state=all",
        "/contacts",
        "/contacts?q=Heimlich",
    ],
)
def test_lists_and_search_leave_the_hidden_team_out(
    module_app, world, hidden, udo, path
):
    check_page(module_app, udo, world, path)


def test_the_team_filter_shows_nothing_of_the_hidden_team(
    module_app, world, hidden, udo
):
    check_page(module_app, udo, world, f"/inbox?team={hidden.team}&state=all")


def test_the_campaign_page_leaves_hidden_recipients_out(module_app, world, hidden, udo):
    check_page(module_app, udo, world, f"/campaigns/{world.ours.campaign}")


def test_a_contact_of_two_teams_shows_only_what_the_agent_may_see(
    module_app, world, hidden, udo
):
    page = check_page(module_app, udo, world, f"/contacts/{hidden.klara}")
    assert "Klara Kreuz" in page
    assert "Ahorn-Kanal" in page  # her conversation on our team-less number
    assert "Geheim-Nummer" not in page
    assert udo.get(f"/inbox/{hidden.klara_hidden}").status_code == 404, (
        "her hidden conversation"
    )


def check_page(app, client, world, path: str) -> str:
    """200, nothing of the hidden team, no row changed (as the guard checks)."""
    before = snapshot(app)
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    leaked = [text for text in HIDDEN_TEXTS if text.lower() in page.lower()]
    assert not leaked, f"{path} shows {leaked}"
    assert snapshot(app) == before, f"{path} changed rows"
    return page


def test_members_and_owners_see_the_hidden_team(module_app, world, hidden):
    """The same requests show Hanna to Tina (a member) and to the owner."""
    for email in (MEMBER, OUR_EMAIL):
        client = signed_in(module_app, email)
        assert "Hanna Heimlich" in client.get("/inbox?q=Hanna").get_data(as_text=True)
        thread_page = client.get(f"/inbox/{hidden.conversation}")
        assert thread_page.status_code == 200
        assert "streng vertraulich" in thread_page.get_data(as_text=True)
        with client.get(f"/inbox/media/{hidden.message}") as media:
            assert media.status_code == 200
        assert client.get(f"/contacts/{hidden.contact}").status_code == 200


def test_a_team_open_to_the_workspace_is_seen_by_every_agent(module_app, hidden):
    client = signed_in(module_app, OUTSIDER)
    with module_app.app_context():
        set_visibility(hidden.team, "workspace")
    try:
        assert client.get(f"/inbox/{hidden.conversation}").status_code == 200
        assert "Hanna Heimlich" in client.get("/contacts").get_data(as_text=True)
    finally:
        with module_app.app_context():
            set_visibility(hidden.team, "team")
    assert client.get(f"/inbox/{hidden.conversation}").status_code == 404


def set_visibility(team_id: int, visibility: str) -> None:
    db.session.execute(
        update(Team).where(Team.id == team_id).values(visibility=visibility)
    )
    db.session.commit()


def test_the_live_stream_leaves_out_the_hidden_teams_events(module_app, world, hidden):
    """Udo hears the list change and his own conversations, never Hanna's."""
    client = signed_in(module_app, OUTSIDER)
    response, chunks = open_stream(client)
    with module_app.app_context():
        live.publish_conversations(
            [
                (world.ours.workspace, hidden.conversation),
                (world.ours.workspace, world.ours.conversation),
            ]
        )
        live.publish(world.ours.workspace, [live.presence_event(hidden.conversation)])
    assert next_events(chunks) == {"list", f"conversation-{world.ours.conversation}"}
    response.close()
    # Tina, in the team, hears Hanna's.
    client = signed_in(module_app, MEMBER)
    response, chunks = open_stream(client)
    with module_app.app_context():
        live.publish_conversations([(world.ours.workspace, hidden.conversation)])
    assert next_events(chunks) == {"list", f"conversation-{hidden.conversation}"}
    response.close()


def test_outsiders_are_agents_and_hanna_is_in_the_hidden_team(module_app, hidden):
    """The world is what the tests above assume."""
    with module_app.app_context():
        udo = db.session.scalar(select(User).where(User.email == OUTSIDER))
        conversation = db.session.get(Conversation, hidden.conversation)
        assert [m.role for m in udo.memberships] == ["agent"]
        assert conversation.team_id == hidden.team
        members = db.session.scalars(
            select(TeamMember.user_id).where(TeamMember.team_id == hidden.team)
        ).all()
        assert udo.id not in members
