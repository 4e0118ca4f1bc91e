"""Two workspaces for the tenancy guard: ours (signed in) and theirs, with one of everything.

Theirs is the target of every foreign request: a team (owner, agent, invite), two
numbers, a contact with conversations, media, notes, events, labels, a lead form
with a submission and consent records (erasure_support.lena), plus a canned
response, a custom field, an import, a template, a suppression, an audit event,
a channel event, a failed webhook event, one of the workspace's Teams (their
agent, their first number and its conversations), and their owner's login,
remembered device and recovery code. Ours holds what a mixed request needs (our
conversation with their label, our contact merged into theirs …); our contact
shares Lena's number, as the same person known to both teams would.

Everything of theirs that a page could show carries one of FOREIGN_TEXTS.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from leadgate import audit
from leadgate.channels.services import create_channel
from leadgate.contacts.importing import plan
from leadgate.contacts.importing.files import ATTRIBUTE
from leadgate.extensions import db
from leadgate.models import (
    AutoReplySent,
    AutoReplySettings,
    BusinessClosure,
    BusinessHours,
    Campaign,
    CampaignRecipient,
    CannedResponse,
    Channel,
    ChannelEvent,
    Contact,
    ContactField,
    ContactImport,
    Conversation,
    Invite,
    Label,
    LeadForm,
    LeadSubmission,
    LoginSession,
    Membership,
    Message,
    MessageTemplate,
    RecoveryCode,
    RememberedDevice,
    ReportConversation,
    ReportMessageHour,
    ReportPricing,
    Rule,
    RuleFiring,
    Segment,
    SlaBreach,
    Suppression,
    Team,
    TeamMember,
    User,
    WebhookEvent,
    WhatsAppBudget,
    WhatsAppBudgetNotice,
    WhatsAppRate,
    Workspace,
    utcnow,
)
from leadgate.reports.pseudonyms import Pseudonyms
from leadgate.workspaces.services import create_invite

from .erasure_support import lena
from .inbox_support import AGENT, make_team
from .support import make_user, membership_of, workspace_of

OUR_EMAIL = "alice@example.com"
# Case-insensitive; ASCII only, as JSON answers escape everything else.
FOREIGN_TEXTS = (
    "Olga Owner",  # their owner (and their workspace's name)
    "Arne Agent",  # their agent
    "Lena Berg",  # their contact
    "ich habe Interesse",  # her first message
    "Fahrerin",  # her message on their second number
    "Messe 2026",  # their lead form
    "Zebra",  # everything else of theirs: canned text, field, template, files …
)


@dataclass(frozen=True)
class Ours:
    workspace: int
    owner: int
    owner_member: int
    channel: int
    contact: int
    conversation: int
    message: int
    label: int
    lead_form: int
    contact_import: int  # uploaded, not yet mapped
    campaign: int  # a draft on our number
    team: int  # "Ahorn-Team", with our owner, no number
    rule: int  # "Ahorn-Regel": an automation labelling with our label


@dataclass(frozen=True)
class Theirs:
    workspace: int
    owner: int
    agent: int
    owner_member: int
    agent_member: int
    invite: int
    channel: int
    contact: int
    conversation: int
    message: int  # an inbound image, stored (its owner could download it)
    label: int
    canned: int
    field: int
    field_key: str
    contact_import: int  # done, with a row left out (its owner could download it)
    lead_form: int
    submission: int
    template: int  # approved
    webhook_event: int  # failed
    login_session: int  # their owner's, open
    remembered_device: int  # their owner's, valid
    segment: int  # "Zebra-Zielgruppe": their label's contacts
    campaign: int  # "Zebra-Kampagne": finished, to their segment
    team: int  # "Zebra-Team": their agent, their number and her conversation
    rule: int  # "Zebra-Regel": their automation, fired once in her conversation
    business_hours: int  # the Zebra-Team's, with a closure; replies switched on
    closure: int  # "Zebra-Urlaub"
    whatsapp_rate: int  # a platform rate (the admin's; no workspace's)

    @property
    def field_target(self) -> str:
        """The import mapping's choice for their field."""
        return ATTRIBUTE + self.field_key

    @property
    def segment_choice(self) -> str:
        """The campaign wizard's audience choice for their segment."""
        return f"segment:{self.segment}"

    @property
    def campaign_choice(self) -> str:
        """The wizard's audience "who did not read their campaign"."""
        return f"campaign:{self.campaign}:not_read"


@dataclass(frozen=True)
class World:
    ours: Ours
    theirs: Theirs


def build_world(app) -> World:
    theirs = build_theirs(app)
    with app.app_context():
        ours = build_ours()
    return World(ours, theirs)


def build_theirs(app) -> Theirs:
    team = make_team(app)  # Olga Owner, Arne Agent, the number "Vertrieb"
    with app.app_context():
        lena_ = lena(team.workspace_id, team.channel_id, team.owner_id)
        workspace = db.session.get(Workspace, team.workspace_id)
        owner = db.session.get(User, team.owner_id)
        agent = db.session.get(User, team.agent_id)
        create_invite(workspace, "zebra-invite@example.com", "agent", owner)
        extras = add_theirs_extras(workspace, owner, team.channel_id)
        db.session.add(
            CampaignRecipient(
                campaign_id=extras["campaign"],
                workspace_id=workspace.id,
                contact_id=lena_.contact_id,
                position=1,
                state="queued",
                lawful_basis="consent",
                queued_at=utcnow(),
            )
        )
        rule = add_rule_of(workspace.id, lena_.conversation_ids[0])
        add_breach_of(workspace.id, extras["team"], lena_.conversation_ids[0])
        add_report_facts_of(workspace.id, team.channel_id, extras["team"])
        rate = add_costs_of(workspace.id, team.channel_id, extras["campaign"])
        db.session.commit()
        ws = workspace.id
        return Theirs(
            workspace=ws,
            owner=owner.id,
            agent=agent.id,
            owner_member=membership_of(owner, workspace).id,
            agent_member=membership_of(agent, workspace).id,
            invite=only(Invite.id, Invite.workspace_id == ws),
            channel=team.channel_id,
            contact=lena_.contact_id,
            conversation=lena_.conversation_ids[0],
            message=only(Message.id, Message.wamid == "wamid.lena.2"),
            label=only(Label.id, Label.workspace_id == ws),
            lead_form=only(LeadForm.id, LeadForm.workspace_id == ws),
            submission=only(LeadSubmission.id, LeadSubmission.workspace_id == ws),
            rule=rule,
            whatsapp_rate=rate,
            **extras,
        )


def add_rule_of(workspace_id: int, conversation_id: int) -> int:
    """Their automation ("Zebra-Regel"), fired once in Lena's conversation."""
    rule = Rule(
        workspace_id=workspace_id,
        name="Zebra-Regel",
        position=1,
        trigger="message_received",
        conditions=[{"kind": "text_contains", "words": "Zebra"}],
        actions=[{"kind": "send_text", "text": "Zebra-Antwort"}],
    )
    db.session.add(rule)
    db.session.flush()
    db.session.add(
        RuleFiring(
            workspace_id=workspace_id,
            rule_id=rule.id,
            conversation_id=conversation_id,
            trigger="message_received",
            outcomes=[["send_text", "done"]],
        )
    )
    return rule.id


def add_breach_of(workspace_id: int, team_id: int, conversation_id: int) -> None:
    """Lena waited too long for their team's first answer (sla/clock.py)."""
    db.session.execute(
        update(Team).where(Team.id == team_id).values(first_response_minutes=15)
    )
    at = utcnow() - timedelta(hours=1)
    db.session.add(
        SlaBreach(
            workspace_id=workspace_id,
            team_id=team_id,
            conversation_id=conversation_id,
            waiting_since=at,
            due_at=at + timedelta(minutes=15),
            target_minutes=15,
            breached_at=at + timedelta(minutes=15),
        )
    )


def add_report_facts_of(workspace_id: int, channel_id: int, team_id: int) -> None:
    """An opening of a conversation of theirs, answered and resolved (reports/facts.py)."""
    at = utcnow() - timedelta(hours=2)
    db.session.add(
        ReportConversation(
            workspace_id=workspace_id,
            channel_id=channel_id,
            team_id=team_id,
            contact_key=Pseudonyms().of(workspace_id, "contact", "zebra"),
            opened_at=at,
            reopened=False,
            new_contact=True,
            first_response_at=at + timedelta(minutes=5),
            first_response_seconds=300,
            resolved_at=at + timedelta(hours=1),
            resolution_seconds=3600,
        )
    )
    db.session.add(
        ReportMessageHour(
            workspace_id=workspace_id,
            channel_id=channel_id,
            team_id=team_id,
            hour=at.replace(minute=0, second=0, microsecond=0),
            direction="in",
            messages=3,
        )
    )


def add_costs_of(workspace_id: int, channel_id: int, campaign_id: int) -> int:
    """A priced message of their campaign, their budget and its notice; a rate."""
    now = utcnow()
    db.session.add_all(
        [
            ReportPricing(
                workspace_id=workspace_id,
                message_key=Pseudonyms().of(workspace_id, "wamid", "zebra"),
                channel_id=channel_id,
                campaign_id=campaign_id,
                country="DE",
                category="marketing",
                pricing_type="regular",
                billable=True,
                sent_at=now,
                sent_on=now.date(),
            ),
            WhatsAppBudget(workspace_id=workspace_id, monthly_eur=Decimal("0.05")),
            WhatsAppBudgetNotice(
                workspace_id=workspace_id, month=now.date().replace(day=1), percent=100
            ),
        ]
    )
    # Not one the migration seeds (a table kept from an earlier test may hold those).
    rate = WhatsAppRate(
        category="utility",
        country="AT",
        eur=Decimal("0.0400"),
        valid_from=date(2026, 1, 1),
    )
    db.session.add(rate)
    db.session.flush()
    return rate.id


def add_theirs_extras(workspace: Workspace, owner: User, channel_id: int) -> dict:
    """What lena() does not bring; returns their ids."""
    ws = workspace.id
    canned = CannedResponse(workspace_id=ws, shortcut="zebra", text="Zebra-Text")
    field = ContactField(workspace_id=ws, key="wunschgehalt", label="Zebra-Feld")
    contact_import = ContactImport(
        workspace_id=ws,
        filename="zebra.csv",
        file_sha256="0" * 64,
        content=b"Telefon\nkaputt\n",
        state="done",
        invalid_rows=[{"row": 2, "reason": "Zebra"}],
    )
    template = MessageTemplate(
        workspace_id=ws,
        waba_id="3000000002",
        meta_template_id="9000000001",
        name="zebra_angebot",
        language="de",
        category="MARKETING",
        status="APPROVED",
        components={"components": [{"type": "BODY", "text": "Zebra {{1}}"}]},
    )
    webhook_event = WebhookEvent(
        channel_id=channel_id, body=b'{"zebra": 1}', state="failed", attempts=3
    )
    segment = Segment(workspace_id=ws, name="Zebra-Zielgruppe", filters={"q": "Zebra"})
    # Assigning automatically to their agent (online, below): a request of ours
    # that gave out their waiting conversations would change their rows.
    team = Team(
        workspace_id=ws,
        name="Zebra-Team",
        visibility="team",
        assignment_mode="round_robin",
    )
    db.session.add_all(
        [canned, field, contact_import, template, webhook_event, segment, team]
    )
    db.session.flush()
    add_to_team(team, channel_id)
    hours, closure = add_hours_of(team)
    campaign = Campaign(
        workspace_id=ws,
        name="Zebra-Kampagne",
        state="finished",
        channel_id=channel_id,
        template_id=template.id,
        audience={"segment": segment.id},
        placeholders={"BODY:1": {"source": "text", "text": "Zebra", "fallback": ""}},
        launched_at=utcnow(),
    )
    db.session.add(campaign)
    db.session.add(ChannelEvent(channel_id=channel_id, field="zebra", value={}))
    db.session.add(Suppression(workspace_id=ws, kind="phone", value_hash="f" * 64))
    audit.record(ws, "channel.connected", workspace, actor=owner)
    login_session, device = add_login_of(owner)
    db.session.flush()
    return {
        "canned": canned.id,
        "field": field.id,
        "field_key": field.key,
        "contact_import": contact_import.id,
        "template": template.id,
        "webhook_event": webhook_event.id,
        "login_session": login_session.id,
        "remembered_device": device.id,
        "segment": segment.id,
        "campaign": campaign.id,
        "team": team.id,
        "business_hours": hours.id,
        "closure": closure.id,
    }


def add_hours_of(team: Team) -> tuple[BusinessHours, BusinessClosure]:
    """The team's business hours with a closure, their replies, and one sent."""
    ws = team.workspace_id
    hours = BusinessHours(workspace_id=ws, team_id=team.id, week={"0": []})
    db.session.add(hours)
    db.session.flush()
    closure = BusinessClosure(
        workspace_id=ws,
        hours_id=hours.id,
        first_day=date(2026, 8, 3),
        last_day=date(2026, 8, 14),
        note="Zebra-Urlaub",
    )
    settings = AutoReplySettings(
        workspace_id=ws,
        away_on=True,
        language="de",
        welcome_text="Zebra-Willkommen",
        away_text="Zebra-Abwesenheit",
        period_hours=24,
    )
    lena_id = db.session.scalar(select(Contact.id).where(Contact.workspace_id == ws))
    sent = AutoReplySent(workspace_id=ws, contact_id=lena_id, kind="away_reply")
    db.session.add_all([closure, settings, sent])
    db.session.flush()
    return hours, closure


def add_to_team(team: Team, channel_id: int) -> None:
    """Their agent, their number and its conversations join their team."""
    agent = db.session.scalar(select(User.id).where(User.email == AGENT))
    db.session.add(TeamMember(team_id=team.id, user_id=agent))
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == agent, Membership.workspace_id == team.workspace_id
        )
        .values(status="online")
    )
    db.session.execute(
        update(Channel).where(Channel.id == channel_id).values(team_id=team.id)
    )
    db.session.execute(
        update(Conversation)
        .where(Conversation.channel_id == channel_id)
        .values(team_id=team.id)
    )


def add_login_of(user: User) -> tuple[LoginSession, RememberedDevice]:
    """An open login, a remembered device and a recovery code of the user."""
    seen = {"device": "Zebra-Browser", "ip_prefix": "192.0.2.0"}
    login_session = LoginSession(user_id=user.id, token_hash="a" * 64, **seen)
    device = RememberedDevice(
        user_id=user.id,
        token_hash="b" * 64,
        expires_at=utcnow() + timedelta(days=30),
        **seen,
    )
    code = RecoveryCode(user_id=user.id, code_hash="c" * 64)
    db.session.add_all([login_session, device, code])
    return login_session, device


def build_ours() -> Ours:
    owner = make_user(OUR_EMAIL, name="Alice Ahorn")
    workspace = workspace_of(owner)
    channel = create_channel(
        workspace,
        name="Ahorn-Kanal",
        phone_number_id="1000000001",
        waba_id="1000000002",
        access_token="a-token",
        app_secret="a-secret",
    )
    db.session.flush()
    ws = workspace.id
    # Lena again: our own record of the same person, under another name.
    contact = Contact(
        workspace_id=ws,
        wa_id="491701234567",
        phone_e164="+491701234567",
        name="Anna Ahorn",
    )
    label = Label(workspace_id=ws, name="Ahorn-Label")
    team = Team(workspace_id=ws, name="Ahorn-Team")
    lead_form = LeadForm(
        workspace_id=ws, channel_id=channel.id, slug="ahorn", name="Ahorn", fields=[]
    )
    db.session.add_all([contact, label, lead_form, team])
    db.session.flush()
    rule = Rule(
        workspace_id=ws,
        name="Ahorn-Regel",
        position=1,
        trigger="message_received",
        actions=[{"kind": "add_label", "label_id": label.id}],
    )
    db.session.add(rule)
    conversation = Conversation(
        workspace_id=ws, channel_id=channel.id, contact_id=contact.id
    )
    db.session.add(conversation)
    db.session.flush()
    message = Message.of(
        conversation, direction="in", type="text", text="Guten Tag", sent_at=utcnow()
    )
    db.session.add(message)
    campaign = Campaign(
        workspace_id=ws, name="Ahorn-Kampagne", channel_id=channel.id, audience={}
    )
    db.session.add(campaign)
    contact_import = plan.start_import(
        ws, owner, "ahorn.csv", b"Telefon;Name\n+4915112345678;Anna\n"
    )
    db.session.add(TeamMember(team_id=team.id, user_id=owner.id))
    db.session.commit()
    return Ours(
        workspace=ws,
        owner=owner.id,
        owner_member=membership_of(owner, workspace).id,
        channel=channel.id,
        contact=contact.id,
        conversation=conversation.id,
        message=message.id,
        label=label.id,
        lead_form=lead_form.id,
        contact_import=contact_import.id,
        campaign=campaign.id,
        team=team.id,
        rule=rule.id,
    )


def only(column, *conditions):
    """The one value of column in the row matching the conditions."""
    return db.session.execute(select(column).where(*conditions)).scalar_one()
