"""The run command's demo workspace: a login, the emulator's number, and some history.

Safe to run again: everything is looked up before it is created.
"""

from datetime import timedelta

from sqlalchemy import select, update

from .auth import services
from .automation.services import RuleSettings, create_rule
from .channels.services import create_channel
from .consent import first_contact, ledger
from .costs.demo_facts import seed_demo_costs
from .extensions import db
from .hours import services as hours
from .models import (
    AutoReplySettings,
    BusinessHours,
    Channel,
    Contact,
    Conversation,
    Label,
    LeadForm,
    Membership,
    Message,
    Role,
    Rule,
    Segment,
    Team,
    TeamMember,
    User,
    Workspace,
    members_of,
    utcnow,
)
from .models.rules import MESSAGE_RECEIVED, NO_AGENT_ANSWER
from .reports.demo_facts import seed_demo_reports
from .routing.assignment import fill_team
from .searchdoc import add_words
from .teams import services as teams
from .whatsapp.emulator import DEMO_NUMBER

DEMO_EMAIL = "demo@leadgate.example"
DEMO_PASSWORD = "Demo-Passwort-2026"
DEMO_WORKSPACE = "Demo GmbH"
# A fictitious applicant who wrote two days ago: her service window is closed, so
# the demo shows that only approved templates can reach her now.
EARLIER_CONTACT = {"wa_id": "4915100000042", "profile_name": "Lena Fischer"}
EARLIER_TEXT = "Hallo, ist die Stelle im Vertriebsinnendienst noch frei?"
DEMO_LEAD_FORM = "demo-kontakt"


def seed_demo() -> None:
    user = services.find_user_by_email(DEMO_EMAIL)
    if user is None:
        user = services.create_user("Demo Nutzerin", DEMO_EMAIL, DEMO_PASSWORD)
        workspace = services.create_workspace(user, DEMO_WORKSPACE)
        agent = services.create_user(
            "Demo Agent", "agent@leadgate.example", DEMO_PASSWORD
        )
        db.session.add(Membership(workspace=workspace, user=agent, role=Role.AGENT))
        db.session.commit()
    workspace = db.session.scalar(
        select(Workspace).join(Membership).where(Membership.user_id == user.id)
    )
    if workspace is None:
        return
    channel = db.session.scalar(
        select(Channel).where(Channel.phone_number_id == DEMO_NUMBER["phone_number_id"])
    )
    if channel is None:
        # The emulator's demo number: `leadgate dev` points it at this channel's webhook.
        channel = create_channel(
            workspace,
            name="Demo-Nummer",
            phone_number_id=DEMO_NUMBER["phone_number_id"],
            waba_id=DEMO_NUMBER["waba_id"],
            access_token=DEMO_NUMBER["access_token"],
            app_secret=DEMO_NUMBER["app_secret"],
            verify_token=DEMO_NUMBER["verify_token"],
            display_phone=DEMO_NUMBER["display_phone_number"],
        )
        db.session.flush()
        seed_earlier_conversation(workspace, channel)
    seed_lead_form(workspace, channel)
    seed_segments(workspace, user)
    seed_teams(workspace, user, channel)
    seed_hours(workspace)
    seed_rules(workspace, user)
    seed_demo_costs(workspace.id, channel.id)
    seed_demo_reports(workspace.id, channel.id)
    db.session.commit()
    share_out_backlog(workspace)


def seed_teams(workspace: Workspace, user: User, channel: Channel) -> None:
    """Vertrieb works the demo number (everyone in it) and answers new contacts
    within 15 minutes of its business hours; Recruiting has no number yet, and
    only its member (the demo user) sees its conversations, not the agent."""
    if db.session.scalar(select(Team.id).where(Team.workspace_id == workspace.id)):
        return
    everyone = [person.id for person in members_of(workspace.id)]
    sales = teams.create_team(workspace.id, "Vertrieb", user)
    teams.set_members(sales, everyone, user)
    teams.set_numbers(sales, [channel.id], user)
    sales.first_response_minutes = 15
    recruiting = teams.create_team(workspace.id, "Recruiting", user)
    teams.set_members(recruiting, [user.id], user)
    teams.set_visibility(recruiting, "team", user)
    seed_assignment(workspace, user, sales)


def seed_assignment(workspace: Workspace, user: User, sales: Team) -> None:
    """Vertrieb assigns round robin (up to 3 open conversations each). The demo
    agent is online with a capacity of one: at the start they are given the
    earlier conversation (share_out_backlog), so the timeline and the team page
    show it. The demo user is "Abwesend": new conversations wait until she
    sets herself online, then they are hers (and the agent's, once they have
    room). Nothing is assigned behind the back of someone trying the inbox."""
    sales.assignment_mode, sales.capacity = "round_robin", 3
    db.session.flush()
    for membership in db.session.scalars(
        select(Membership).where(Membership.workspace_id == workspace.id)
    ):
        membership.set_status("away" if membership.user_id == user.id else "online")
    db.session.execute(
        update(TeamMember)
        .where(TeamMember.team_id == sales.id, TeamMember.user_id != user.id)
        .values(capacity=1)
    )


def share_out_backlog(workspace: Workspace) -> None:
    """Waiting conversations to whoever is online with room, as the cron would."""
    for team_id in db.session.scalars(
        select(Team.id).where(
            Team.workspace_id == workspace.id, Team.assignment_mode != "off"
        )
    ).all():
        fill_team(team_id)


def seed_hours(workspace: Workspace) -> None:
    """Both teams work Mo–Fr 9–18 (NRW holidays); welcome and away replies are on."""
    if db.session.scalar(
        select(AutoReplySettings.id).where(
            AutoReplySettings.workspace_id == workspace.id
        )
    ):
        return
    workspace.holiday_region = "NW"
    office_week = {
        str(day): [["09:00", "18:00"]] if day < 5 else [] for day in range(7)
    }
    for team_id in db.session.scalars(
        select(Team.id).where(Team.workspace_id == workspace.id)
    ):
        db.session.add(
            BusinessHours(workspace_id=workspace.id, team_id=team_id, week=office_week)
        )
    settings = hours.settings_for(workspace.id)  # the default German texts
    settings.welcome_on = settings.away_on = True
    settings.second_language = settings.welcome_text_second = None
    settings.away_text_second = None
    db.session.add(settings)


def seed_rules(workspace: Workspace, user: User) -> None:
    """Two automations: applications go to Recruiting; after 30 minutes without an
    answer from the team, a note and the label "dringend"."""
    if db.session.scalar(select(Rule.id).where(Rule.workspace_id == workspace.id)):
        return
    labels = {}
    for name in ("Bewerbung", "dringend"):
        label = db.session.scalar(
            select(Label).where(Label.workspace_id == workspace.id, Label.name == name)
        ) or Label(workspace_id=workspace.id, name=name)
        db.session.add(label)
        db.session.flush()
        labels[name] = label.id
    recruiting = db.session.scalar(
        select(Team.id).where(
            Team.workspace_id == workspace.id, Team.name == "Recruiting"
        )
    )
    for name, trigger, wait, conditions, actions in (
        (
            "Bewerbung → Recruiting",
            MESSAGE_RECEIVED,
            None,
            [{"kind": "text_contains", "words": "Bewerbung, Lebenslauf"}],
            [
                {"kind": "assign_team", "team_id": recruiting},
                {"kind": "add_label", "label_id": labels["Bewerbung"]},
            ],
        ),
        (
            "Keine Antwort nach 30 Minuten",
            NO_AGENT_ANSWER,
            30,
            [],
            [
                {
                    "kind": "add_note",
                    "text": "Seit 30 Minuten ohne Antwort: bitte übernehmen.",
                },
                {"kind": "add_label", "label_id": labels["dringend"]},
            ],
        ),
    ):
        settings = RuleSettings(name, trigger, wait, conditions, actions, True)
        create_rule(workspace.id, settings, user)


def seed_segments(workspace: Workspace, user: User) -> None:
    """Two saved audiences, so the contact list shows its Zielgruppen."""
    if db.session.scalar(
        select(Segment.id).where(Segment.workspace_id == workspace.id)
    ):
        return
    for name, filters in (
        ("Mit Marketing-Einwilligung", {"consent": "opt_in"}),
        ("Noch ohne Einwilligung", {"consent": "none"}),
    ):
        db.session.add(
            Segment(
                workspace_id=workspace.id,
                name=name,
                filters=filters,
                created_by_id=user.id,
            )
        )


def seed_earlier_conversation(workspace: Workspace, channel: Channel) -> None:
    """One conversation from two days ago: its 24-hour window has closed."""
    written_at = utcnow() - timedelta(days=2)
    contact = Contact(
        workspace_id=workspace.id,
        wa_id=EARLIER_CONTACT["wa_id"],
        phone_e164=f"+{EARLIER_CONTACT['wa_id']}",
        profile_name=EARLIER_CONTACT["profile_name"],
        last_inbound_at=written_at,
    )
    db.session.add(contact)
    db.session.flush()
    conversation = Conversation(
        workspace_id=workspace.id,
        channel_id=channel.id,
        contact_id=contact.id,
        state="open",
        unread_count=1,
        inbound_count=1,
        last_message_preview=EARLIER_TEXT,
        last_message_type="text",
        last_activity_at=written_at,
        created_at=written_at,
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(
        Message.of(
            conversation,
            direction="in",
            wamid="wamid.demo.earlier.1",
            type="text",
            text=EARLIER_TEXT,
            status="received",
            sent_at=written_at,
            created_at=written_at,
        )
    )
    add_words(conversation, EARLIER_TEXT)  # as ingest does: found by search
    # Her consent on record, as a real workspace would have it: she wrote first
    # (service), and agreed to offers on the phone (marketing, by the team).
    ledger.record(
        contact,
        ledger.SERVICE,
        "opt_in",
        "inbound_message",
        wording=first_contact.WORDING,
        message_wamid="wamid.demo.earlier.1",
    )
    ledger.record(
        contact,
        ledger.MARKETING,
        "opt_in",
        "agent",
        wording="Ja, Sie dürfen mir Angebote per WhatsApp schicken.",
        note="Telefonat, Gesprächsnotiz vom Vortag",
    )


def seed_lead_form(workspace: Workspace, channel: Channel) -> None:
    """An active lead form at /f/demo-kontakt whose leads arrive on the demo number."""
    if workspace.privacy_url is None:
        # The demo has no website of its own: LeadGate's privacy page stands in.
        workspace.privacy_url = "/datenschutz"
    exists = db.session.scalar(
        select(LeadForm.id).where(LeadForm.slug == DEMO_LEAD_FORM)
    )
    if exists is None:
        db.session.add(
            LeadForm(
                workspace_id=workspace.id,
                channel_id=channel.id,
                slug=DEMO_LEAD_FORM,
                name="Kontaktformular",
                headline="Wir melden uns per WhatsApp",
                fields=[
                    {"key": "name", "required": True},
                    {"key": "email", "required": False},
                    {"key": "message", "required": False},
                ],
                active=True,
            )
        )
