"""Retention settings and the nightly purge, with the clock moved forward.

Rows are stored "now" (NOW) or shortly before a later night (LATER); the purge
runs at LATER, 400 days on: past every workspace default, inside the platform's
cookie-proof period. Files are real files under the app's MEDIA_DIR.
"""

from datetime import timedelta
from itertools import count

import pytest
from rq.cron import CronScheduler
from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.inbox.search import matches
from leadgate.media import media_path, store_bytes
from leadgate.models import (
    AccessLog,
    AuditEvent,
    ChannelEvent,
    ConsentRecord,
    Contact,
    Conversation,
    CookieConsent,
    Inquiry,
    LeadForm,
    LeadSubmission,
    LoginSession,
    Message,
    MessageStatus,
    Reaction,
    RememberedDevice,
    SendAttempt,
    User,
    WebhookEvent,
    Workspace,
    utcnow,
)
from leadgate.privacy.retention.purge import COUNTS, purge
from leadgate.queue import redis_connection
from leadgate.searchdoc import add_words

from .inbox_support import AGENT, OWNER, make_team
from .support import make_user

NOW = utcnow()
LATER = NOW + timedelta(days=400)  # the night the purge runs
RECENT = LATER - timedelta(days=10)
NUMBERS = count(1)


def days_ago(days: int):
    return LATER - timedelta(days=days)


def add_contact(workspace_id: int, at=NOW, **fields) -> Contact:
    contact = Contact(
        workspace_id=workspace_id,
        wa_id=f"4915{next(NUMBERS):09d}",
        created_at=at,
        **fields,
    )
    db.session.add(contact)
    db.session.flush()
    return contact


def add_conversation(team, at=NOW, state="open", contact=None) -> Conversation:
    contact = contact or add_contact(team.workspace_id)
    conversation = Conversation(
        workspace_id=team.workspace_id,
        channel_id=team.channel_id,
        contact_id=contact.id,
        state=state,
        last_activity_at=at,
        created_at=NOW,
    )
    db.session.add(conversation)
    db.session.flush()
    return conversation


def add_message(conversation, text, at=NOW, direction="in", **fields) -> Message:
    fields.setdefault("type", "text")
    message = Message.of(
        conversation,
        direction=direction,
        text=text,
        wamid=f"wamid.{next(NUMBERS)}" if direction in ("in", "out") else None,
        sent_at=at,
        created_at=at,
        **fields,
    )
    db.session.add(message)
    if direction in ("in", "out") and at >= conversation.last_activity_at:
        conversation.last_activity_at = at
        conversation.last_message_preview = text
        conversation.last_message_type = "text"
    db.session.flush()
    return message


def add_media(conversation, data: bytes, at=NOW) -> str:
    sha256 = store_bytes(data)
    add_message(conversation, None, at=at, media_sha256=sha256, type="image")
    return sha256


def set_periods(workspace_id: int, **days) -> None:
    workspace = db.session.get(Workspace, workspace_id)
    for name, value in days.items():
        setattr(workspace, f"retention_{name}_days", value)
    db.session.commit()


def rows(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def only(report, workspace_id: int) -> dict:
    return report["workspaces"][workspace_id]


# Settings page


def test_owner_saves_periods_and_the_change_is_audited(app, client, auth):
    team = make_team(app)
    auth.login(OWNER)
    page = client.get("/settings/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="365"' in html and "Zugriffsprotokolle" in html
    response = client.post(
        "/settings/retention",
        data={
            "retention_messages_days": "30",
            "retention_resolved_days": "180",
            "retention_submissions_days": "60",
            "retention_idle_contacts_days": "90",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        workspace = db.session.get(Workspace, team.workspace_id)
        assert (
            workspace.retention_messages_days,
            workspace.retention_submissions_days,
        ) == (
            30,
            60,
        )
        event = db.session.scalar(select(AuditEvent))
        assert event.action == "retention.changed" and event.actor_id == team.owner_id
        assert event.details == {
            "retention_messages_days": {"from": 365, "to": 30},
            "retention_submissions_days": {"from": 180, "to": 60},
        }


def test_agents_get_403(app, client, auth):
    make_team(app)
    auth.login(AGENT)
    assert client.get("/settings/retention").status_code == 403
    response = client.post("/settings/retention", data={"retention_messages_days": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["0", "3651", "-5", "zehn", ""])
def test_invalid_periods_are_refused(app, client, auth, value):
    team = make_team(app)
    auth.login(OWNER)
    data = {
        "retention_messages_days": value,
        "retention_resolved_days": "180",
        "retention_submissions_days": "180",
        "retention_idle_contacts_days": "90",
    }
    response = client.post("/settings/retention", data=data)
    assert response.status_code == 422
    assert 'id="retention_messages_days-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.get(Workspace, team.workspace_id).retention_messages_days == 365
        )
        assert rows(AuditEvent) == 0


def test_the_page_lists_the_last_runs_and_the_settings_link_it(app, client, auth):
    team = make_team(app)
    with app.app_context():
        add_message(add_conversation(team), "Alt")
        db.session.commit()
        purge(now=LATER)
    auth.login(OWNER)
    html = client.get("/settings/retention").get_data(as_text=True)
    assert 'id="purge-runs"' in html and "Nachrichten: 1" in html
    assert "Gespräche: 1" in html
    settings = client.get("/settings/workspace").get_data(as_text=True)
    assert 'href="/settings/retention"' in settings


# The purge


def test_old_messages_and_their_files_go_recent_ones_stay(app):
    team = make_team(app)
    with app.app_context():
        kept = add_conversation(team)
        old_file = add_media(kept, b"old picture")
        shared = add_media(kept, b"shared picture")
        old = add_message(kept, "Altes Geheimwort", direction="out")
        db.session.add(SendAttempt(message_id=old.id, number=1, started_at=NOW))
        db.session.add_all(
            [
                MessageStatus(
                    channel_id=team.channel_id, wamid=old.wamid, status="read",
                    timestamp=NOW,
                ),
                Reaction(
                    channel_id=team.channel_id, contact_id=kept.contact_id,
                    target_wamid=old.wamid, emoji="👍", reacted_at=NOW,
                ),
            ]
        )  # fmt: skip
        new_file = add_media(kept, b"new picture", at=RECENT)
        add_media(kept, b"shared picture", at=RECENT)  # the same file again
        recent = add_message(kept, "Neue Frage", at=RECENT)
        db.session.add(
            MessageStatus(
                channel_id=team.channel_id, wamid=recent.wamid, status="delivered",
                timestamp=RECENT,
            )
        )  # fmt: skip
        emptied = add_conversation(team)
        add_message(emptied, "Nur alte Worte")
        # An old message, then a recent note: the conversation stays, its
        # preview (which quoted the deleted message) goes.
        quiet = add_conversation(team)
        add_message(quiet, "Vorschau von damals")
        add_message(quiet, "Notiz", at=RECENT, direction="note")
        db.session.commit()
        ids = (kept.id, emptied.id, quiet.id)

        report = purge(now=LATER)

        assert only(report, team.workspace_id) == {
            "messages": 5,
            "media": 2,
            "conversations": 1,
            "lead_submissions": 0,
            "contacts": 0,
            "campaign_recipients": 0,
        }
        texts = db.session.scalars(select(Message.text).order_by(Message.id)).all()
        assert texts == [None, None, "Neue Frage", "Notiz"]
        assert not media_path(old_file).exists()
        assert media_path(new_file).exists() and media_path(shared).exists()
        assert rows(SendAttempt) == rows(Reaction) == 0
        assert db.session.scalars(select(MessageStatus.wamid)).all() == [recent.wamid]
        assert db.session.get(Conversation, ids[1]) is None
        assert db.session.get(Conversation, ids[0]).last_message_preview == "Neue Frage"
        assert db.session.get(Conversation, ids[2]).last_message_preview is None


def test_the_search_document_loses_the_purged_words(app):
    team = make_team(app)
    with app.app_context():
        conversation = add_conversation(team)
        add_message(conversation, "Geheimwort")
        add_message(conversation, "Neue Frage", at=RECENT)
        add_words(conversation, "Geheimwort", "Neue Frage")
        db.session.commit()
        purge(now=LATER)
        found = select(Conversation.id).where(matches(team.workspace_id, "Geheimwort"))
        assert db.session.scalars(found).all() == []
        found = select(Conversation.id).where(matches(team.workspace_id, "Frage"))
        assert db.session.scalars(found).all() == [conversation.id]


def test_resolved_conversations_go_entirely_after_inactivity(app):
    team = make_team(app)
    with app.app_context():
        set_periods(team.workspace_id, messages=3650)
        done = add_conversation(team, state="resolved")
        add_message(done, "Erledigt")
        file = add_media(done, b"attachment")
        add_message(done, "Interne Notiz", direction="note")
        lately = add_conversation(team, state="resolved")
        add_message(lately, "Erledigt", at=days_ago(100))
        noted = add_conversation(team, state="resolved")
        add_message(noted, "Alt")
        add_message(noted, "Noch eine Notiz", at=RECENT, direction="note")
        still_open = add_conversation(team)
        add_message(still_open, "Offen")
        db.session.commit()
        ids = [done.id, lately.id, noted.id, still_open.id]

        report = purge(now=LATER)

        assert only(report, team.workspace_id)["conversations"] == 1
        assert only(report, team.workspace_id)["messages"] == 3
        remaining = db.session.scalars(
            select(Conversation.id).order_by(Conversation.id)
        )
        assert remaining.all() == ids[1:]
        assert not media_path(file).exists()


def test_old_submissions_and_idle_contacts_go(app):
    team = make_team(app)
    with app.app_context():
        form = LeadForm(
            workspace_id=team.workspace_id, channel_id=team.channel_id,
            slug="kontakt", name="Kontakt",
        )  # fmt: skip
        db.session.add(form)
        db.session.flush()

        def submit(contact, at):
            db.session.add(
                LeadSubmission(
                    workspace_id=team.workspace_id, form_id=form.id,
                    contact_id=contact.id, data={"name": "X"}, created_at=at,
                )
            )  # fmt: skip

        ws = team.workspace_id
        idle = add_contact(ws)
        submit(idle, NOW)  # old: goes, and then does not keep the contact
        with_conversation = add_contact(ws)
        add_conversation(team, at=RECENT, contact=with_conversation)
        consented = add_contact(ws)
        db.session.add(
            ConsentRecord(
                workspace_id=ws, contact_id=consented.id,
                purpose="whatsapp_marketing", action="opt_in", source="agent",
            )
        )  # fmt: skip
        edited = add_contact(ws, updated_at=RECENT)
        young = add_contact(ws, at=RECENT)
        lead = add_contact(ws)
        submit(lead, RECENT)
        db.session.commit()
        kept = [with_conversation.id, consented.id, edited.id, young.id, lead.id]

        report = purge(now=LATER)

        assert only(report, ws)["lead_submissions"] == 1
        assert only(report, ws)["contacts"] == 1
        assert db.session.scalars(select(Contact.id).order_by(Contact.id)).all() == kept
        assert rows(LeadSubmission) == 1


def test_a_contact_whose_conversation_went_is_idle_the_next_night(app):
    team = make_team(app)
    with app.app_context():
        add_message(add_conversation(team), "Alt")
        db.session.commit()
        first = only(purge(now=LATER), team.workspace_id)
        assert (first["conversations"], first["contacts"]) == (1, 0)
        second = only(purge(now=LATER + timedelta(days=1)), team.workspace_id)
        assert second["contacts"] == 1 and rows(Contact) == 0


def add_platform_records(team) -> dict:
    """Expired and kept platform records; returns the ids meant to stay."""
    former = make_user("former@example.com")
    leaving = make_user("leaving@example.com")
    former.deleted_at, leaving.deleted_at = NOW, days_ago(5)
    note = add_message(
        add_conversation(team, at=RECENT), "Notiz", at=RECENT, direction="note"
    )
    note.author_id = former.id
    user = team.owner_id
    db.session.add_all(
        [
            AccessLog(user_id=user, event="login", ip_address="192.0.2.1", created_at=NOW),
            AccessLog(user_id=user, event="login", ip_address="192.0.2.2", created_at=RECENT),
            CookieConsent(
                consent_id="a", action="accept", policy_version="1", preferences=True,
                statistics=True, ip_prefix="192.0.2.0", created_at=days_ago(1100),
            ),
            CookieConsent(
                consent_id="b", action="accept", policy_version="1", preferences=True,
                statistics=True, ip_prefix="192.0.2.0", created_at=NOW,
            ),
            Inquiry(name="Ina", email="ina@example.com", message="Hallo", created_at=NOW),
            Inquiry(name="Ole", email="ole@example.com", message="Hi", created_at=RECENT),
            WebhookEvent(body=b"{}", state="processed", received_at=NOW),
            WebhookEvent(body=b"{}", state="pending", received_at=NOW),
            WebhookEvent(body=b"{}", state="processed", received_at=RECENT),
            ChannelEvent(channel_id=team.channel_id, field="errors", created_at=NOW),
            ChannelEvent(channel_id=team.channel_id, field="errors", created_at=RECENT),
            LoginSession(
                user_id=user, token_hash="a" * 64, device="", ip_prefix="192.0.2.0/24",
                last_seen_at=NOW, ended_at=NOW,
            ),
            LoginSession(
                user_id=user, token_hash="b" * 64, device="", ip_prefix="192.0.2.0/24",
                last_seen_at=RECENT, ended_at=RECENT,
            ),
            RememberedDevice(
                user_id=user, token_hash="c" * 64, device="", ip_prefix="192.0.2.0/24",
                expires_at=NOW,
            ),
            RememberedDevice(
                user_id=user, token_hash="d" * 64, device="", ip_prefix="192.0.2.0/24",
                expires_at=LATER + timedelta(days=20),
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    return {"former": former.id, "leaving": leaving.id, "note": note.id}


def test_platform_records_expire_by_their_own_periods(app):
    team = make_team(app)
    with app.app_context():
        ids = add_platform_records(team)

        report = purge(now=LATER)

        assert report["platform"] == {
            "access_logs": 1,
            "cookie_consents": 1,
            "inquiries": 1,
            "webhook_events": 1,
            "channel_events": 1,
            "login_sessions": 1,
            "remembered_devices": 1,
            "accounts": 1,
        }
        assert db.session.scalars(select(LoginSession.token_hash)).all() == ["b" * 64]
        assert db.session.scalars(select(RememberedDevice.token_hash)).all() == [
            "d" * 64
        ]
        assert db.session.get(User, ids["former"]) is None
        assert db.session.get(User, ids["leaving"]) is not None
        assert db.session.get(Message, ids["note"]).author_id is None
        assert db.session.scalars(select(Inquiry.name)).all() == ["Ole"]
        states = db.session.scalars(
            select(WebhookEvent.state).order_by(WebhookEvent.id)
        )
        assert states.all() == ["pending", "processed"]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.workspace_id.is_(None))
        )
        assert event.action == "purge.run" and event.details == report["platform"]


def add_everything(team) -> list[str]:
    """One of each kind of expiring row in the team's workspace; returns file hashes."""
    files = []
    plain = add_conversation(team)
    add_message(plain, "Alt")
    files.append(add_media(plain, b"eins"))
    add_message(plain, "Neu", at=RECENT)
    done = add_conversation(team, state="resolved")
    files.append(add_media(done, b"zwei"))
    add_message(done, "Erledigt")
    add_message(add_conversation(team, state="resolved"), "Auch erledigt")
    emptied = add_conversation(team)
    for n in range(5):
        add_message(emptied, f"Leer danach {n}")
    for _ in range(3):
        add_contact(team.workspace_id)
    return files


@pytest.mark.parametrize("batch", [None, 2], ids=["default-batches", "tiny-batches"])
def test_the_dry_run_counts_exactly_and_changes_nothing(app, monkeypatch, batch):
    if batch:  # every loop goes round more than once
        for name in ("retention.batches.BATCH", "retention.purge.BATCH"):
            monkeypatch.setattr(f"leadgate.privacy.{name}", batch)
        monkeypatch.setattr("leadgate.privacy.retention.purge.CONVERSATION_BATCH", 1)
        monkeypatch.setattr("leadgate.privacy.retention.platform.USER_BATCH", 1)
    team = make_team(app)
    with app.app_context():
        files = add_everything(team)
        add_platform_records(team)
        tables = [
            Message,
            Conversation,
            Contact,
            AccessLog,
            Inquiry,
            User,
            WebhookEvent,
        ]
        before = [rows(model) for model in tables]

        dry = purge(now=LATER, dry_run=True)

        assert [rows(model) for model in tables] == before
        assert all(media_path(sha256).exists() for sha256 in files)
        assert rows(AuditEvent) == 0
        assert only(dry, team.workspace_id) == {
            "messages": 10,
            "media": 2,
            "conversations": 3,
            "lead_submissions": 0,
            "contacts": 3,
            "campaign_recipients": 0,
        }
        assert all(dry["platform"].values())
        assert purge(now=LATER) == dry


def test_each_workspace_keeps_its_own_periods_and_gets_its_audit_row(app):
    first = make_team(app)
    with app.app_context():
        owner = make_user("zweite@example.com", name="Zora Zweite")
        second_id = owner.memberships[0].workspace_id
        channel = create_channel(
            db.session.get(Workspace, second_id), name="Zweite",
            phone_number_id="3000000009", waba_id="3000000010",
            access_token="token", app_secret="secret",
        )  # fmt: skip
        db.session.commit()
        second = type(first)(second_id, channel.id, owner.id, owner.id)
        set_periods(second_id, messages=30)
        for team in (first, second):
            add_message(
                add_conversation(team, at=RECENT), "Vor 100 Tagen", at=days_ago(100)
            )
            add_message(add_conversation(team, at=RECENT), "Gestern", at=RECENT)
        db.session.commit()

        report = purge(now=LATER)

        assert only(report, first.workspace_id)["messages"] == 0
        assert only(report, second_id)["messages"] == 1
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.workspace_id.is_not(None))
        ).all()
        assert sorted(e.workspace_id for e in events) == sorted(
            [first.workspace_id, second_id]
        )
        for event in events:
            assert event.action == "purge.run" and event.actor_id is None
            assert set(event.details) == set(COUNTS)
            assert all(isinstance(value, int) for value in event.details.values())


def test_the_cli_dry_run_prints_counts_only(app, runner):
    team = make_team(app)
    with app.app_context():
        add_message(add_conversation(team), "Streng geheim")
        db.session.commit()
    result = runner.invoke(args=["purge", "--dry-run", "--now", LATER.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"workspace {team.workspace_id}: messages 1, media 0, conversations 1" in (
        result.output
    )
    assert "dry run:" in result.output and "geheim" not in result.output
    with app.app_context():
        assert rows(Message) == 1 and rows(AuditEvent) == 0
    result = runner.invoke(args=["purge", "--now", LATER.date().isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert rows(Message) == 0
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.workspace_id.is_(None))
        )
        assert event.details["via"] == "cli"
    assert runner.invoke(args=["purge", "--now", "morgen"]).exit_code != 0


def test_the_purge_is_scheduled_nightly(app):
    scheduler = CronScheduler(connection=redis_connection(app))
    scheduler.load_config_from_file("leadgate.cron")
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    job = jobs["leadgate.privacy.retention.purge.nightly_purge"]
    assert (job.queue_name, job.cron) == ("low", "0 3 * * *")
