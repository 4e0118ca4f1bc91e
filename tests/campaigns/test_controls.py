"""A campaign while it runs: consent checked at each turn, pause, resume, cancel,
Meta pausing the template, a schedule, replies, and the evidence."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from leadgate.campaigns.launch import sweep_campaigns
from leadgate.campaigns.notices import notify_stopped_campaigns
from leadgate.models import AuditEvent, Campaign, Message, utcnow

from ..outbound.helpers import arm, change, post_webhook, read, run, sent_at_emulator
from ..outbound.meta_changes import OFFER, template_webhook
from ..webhook_fixtures import meta_bytes
from .helpers import campaign, create, feed, launch, people, recipients

MANY = [{"name": f"Kunde {n}", "number": f"+4917010{n:05d}"} for n in range(25)]
MAPPING = {"src-BODY:1": "first_name"}


def slow_number(app) -> None:
    """5 messages/s: a feed queues 20 (its minimum), the rest wait their turn."""
    app.config["WHATSAPP_RATE_PER_SECOND"] = 5


def writes(client, emulator, key: str, number: str, text: str) -> None:
    answer = emulator.inject(
        **{"from": number.lstrip("+"), "deliver": False, "text": text}
    )
    post_webhook(client, key, meta_bytes(answer["webhook"]))


def test_a_stop_during_the_campaign_keeps_that_persons_message_back(
    client, app, emulator, channel_key
):
    slow_number(app)
    label = people(app, MANY)
    campaign_id = create(client, label, OFFER, **MAPPING)
    assert launch(client, campaign_id).status_code == 303
    rows = recipients(campaign_id)
    assert [r.state for r in rows].count("queued") == 20  # the first feed
    late = rows[22]  # not queued yet: their turn comes with the next feed
    assert late.state == "planned"
    number = MANY[22]["number"]
    writes(client, emulator, channel_key, number, "STOP")
    assert feed(campaign_id) == {"queued": 4, "skipped": 1}
    late = recipients(campaign_id)[22]
    assert (late.state, late.reason, late.message_id) == (
        "skipped",
        "marketing_opted_out",
        None,
    )
    assert campaign(campaign_id).state == "finished"
    queued = read(select(Message.contact_id).where(Message.direction == "out"))
    assert late.contact_id not in queued and len(queued) == 24


def test_pause_stops_the_next_turns_and_resume_goes_on(
    client, app, emulator, channel_key
):
    slow_number(app)
    label = people(app, MANY)
    campaign_id = create(client, label, OFFER, **MAPPING)
    launch(client, campaign_id)
    assert client.post(f"/campaigns/{campaign_id}/pause").status_code == 303
    assert campaign(campaign_id).state == "paused"
    assert feed(campaign_id) == {}  # a feed of a paused campaign queues nobody
    assert [r.state for r in recipients(campaign_id)].count("planned") == 5
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Angehalten" in page and "Fortsetzen" in page
    assert client.post(f"/campaigns/{campaign_id}/resume").status_code == 303
    assert campaign(campaign_id).state == "finished"  # the resumed feed took the rest
    assert {r.state for r in recipients(campaign_id)} == {"queued"}
    actions = read(select(AuditEvent.action).order_by(AuditEvent.id))
    assert [a for a in actions if a.startswith("campaign.")] == [
        "campaign.created",
        "campaign.launched",
        "campaign.paused",
        "campaign.resumed",
        "campaign.finished",
    ]


def test_cancel_ends_it_for_everyone_whose_message_has_not_gone_out(
    client, app, emulator, channel_key
):
    slow_number(app)
    label = people(app, MANY)
    campaign_id = create(client, label, OFFER, **MAPPING)
    arm(emulator, kind="graph_error", status=400, code=131000, count=3)
    launch(client, campaign_id)  # three wait for a retry
    sent_before = len(sent_at_emulator(emulator))
    assert sent_before == 17
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Kampagne abbrechen?" in page  # confirmed in a dialog first
    assert client.post(f"/campaigns/{campaign_id}/cancel").status_code == 303
    assert campaign(campaign_id).state == "cancelled"
    states = [r.state for r in recipients(campaign_id)]
    assert states.count("cancelled") == 5 and states.count("queued") == 20
    # Queued messages that had not gone out are withdrawn with the reason.
    waiting = read(
        select(Message).where(Message.direction == "out", Message.wamid.is_(None))
    )
    assert len(waiting) == 3
    assert {(m.status, m.error_title) for m in waiting} == {
        ("failed", "campaign_cancelled")
    }
    assert feed(campaign_id) == {}
    assert client.post(f"/campaigns/{campaign_id}/resume").status_code == 303
    assert campaign(campaign_id).state == "cancelled"
    assert len(sent_at_emulator(emulator)) == sent_before


def test_a_second_launch_is_refused_and_plans_nobody_twice(
    client, app, emulator, channel_key
):
    label = people(app, MANY[:3])
    campaign_id = create(client, label, OFFER, **MAPPING)
    assert launch(client, campaign_id).status_code == 303
    again = client.post(f"/campaigns/{campaign_id}/launch", follow_redirects=True)
    assert "Diese Kampagne ist schon gestartet." in again.get_data(as_text=True)
    assert len(recipients(campaign_id)) == 3
    assert len(sent_at_emulator(emulator)) == 3


def test_meta_pausing_the_template_pauses_the_campaign_and_says_why(
    client, app, emulator, channel_key
):
    slow_number(app)
    label = people(app, MANY)
    campaign_id = create(client, label, OFFER, **MAPPING)
    launch(client, campaign_id)
    template_webhook(client, emulator, channel_key, OFFER, "PAUSED")
    stopped = campaign(campaign_id)
    assert (stopped.state, stopped.paused_reason) == ("paused", "template_paused")
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Meta hat die Vorlage wegen negativer Rückmeldungen pausiert" in page
    answer = client.post(f"/campaigns/{campaign_id}/resume", follow_redirects=True)
    assert "Meta hat die Vorlage" in answer.get_data(as_text=True)
    assert campaign(campaign_id).state == "paused"  # not while Meta pauses it
    template_webhook(client, emulator, channel_key, OFFER, "REINSTATED")
    assert client.post(f"/campaigns/{campaign_id}/resume").status_code == 303
    assert campaign(campaign_id).state == "finished"
    assert {r.state for r in recipients(campaign_id)} == {"queued"}


def test_owners_and_admins_are_mailed_once_per_stop_in_their_language(
    client, app, emulator, channel_key, outbox
):
    from leadgate.extensions import db
    from leadgate.models import Role, User

    from ..support import make_user, workspace_of

    slow_number(app)  # each feed queues 20 of the 45
    with app.app_context():
        owner = db.session.scalars(select(User)).first()
        workspace = workspace_of(owner)
        admin = make_user("admin@example.com", workspace=workspace, role=Role.ADMIN)
        admin.locale = "en"
        make_user("agent@example.com", workspace=workspace, role=Role.AGENT)
        db.session.commit()
        owner_address = owner.email
    many = [{"name": f"Kundin {n}", "number": f"+4917020{n:05d}"} for n in range(45)]
    campaign_id = create(client, people(app, many), OFFER, **MAPPING)
    launch(client, campaign_id)
    assert run(notify_stopped_campaigns) == 0  # running: nothing to tell
    # A pause by the team is no news to the team: no mail.
    assert client.post(f"/campaigns/{campaign_id}/pause").status_code == 303
    assert run(notify_stopped_campaigns) == 0
    assert client.post(f"/campaigns/{campaign_id}/resume").status_code == 303
    assert campaign(campaign_id).state == "running"
    template_webhook(client, emulator, channel_key, OFFER, "PAUSED")
    assert run(notify_stopped_campaigns) == 1
    mails = {mail["To"]: mail for mail in outbox}
    assert sorted(mails) == sorted([owner_address, "admin@example.com"])  # no agent
    german = mails[owner_address].get_content()
    assert mails[owner_address]["Subject"] == "Kampagne „Frühjahrsangebot“ angehalten"
    assert "Meta hat die Vorlage wegen negativer Rückmeldungen pausiert" in german
    assert f"/campaigns/{campaign_id}" in german
    english = mails["admin@example.com"]
    assert english["Subject"] == 'Campaign "Frühjahrsangebot" stopped'
    assert "Meta has paused the template" in english.get_content()
    assert run(notify_stopped_campaigns) == 0 and len(outbox) == 2  # once per stop
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Inhaber und Admins wurden per E-Mail benachrichtigt." in page
    # Running again clears the mark, so the next stop is mailed too.
    template_webhook(client, emulator, channel_key, OFFER, "REINSTATED")
    assert client.post(f"/campaigns/{campaign_id}/resume").status_code == 303
    assert campaign(campaign_id).stop_notified_at is None


def test_a_scheduled_campaign_starts_at_its_time_with_whoever_matches_then(
    client, app, emulator, channel_key
):
    label = people(app, MANY[:3])
    campaign_id = create(client, label, OFFER, **MAPPING)
    tomorrow = (utcnow() + timedelta(days=1)).astimezone()
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/schedule",
        data={
            "when": "later",
            "date": tomorrow.strftime("%Y-%m-%d"),
            "time": "09:30",
        },
    )
    assert answer.status_code == 303
    launch(client, campaign_id)
    assert campaign(campaign_id).state == "scheduled"
    assert recipients(campaign_id) == []  # planned when it starts
    assert run(sweep_campaigns)["started"] == 0
    # The audience is whoever matches at the start: a fourth joins the label now.
    people(app, [{"name": "Nachzüglerin", "number": "+491709999999"}], label_id=label)
    change(Campaign, scheduled_at=utcnow() - timedelta(minutes=1))
    assert run(sweep_campaigns)["started"] == 1
    assert campaign(campaign_id).state == "finished"
    assert len(recipients(campaign_id)) == 4
    assert len(sent_at_emulator(emulator)) == 4


def test_a_reply_is_marked_with_the_campaign_and_shown_in_the_thread(
    client, app, emulator, receiver, channel_key
):
    label = people(app, MANY[:2])
    campaign_id = create(client, label, OFFER, **MAPPING)
    launch(client, campaign_id)
    writes(client, emulator, channel_key, MANY[0]["number"], "Ja, gerne!")
    writes(client, emulator, channel_key, MANY[0]["number"], "Noch eine Frage")
    rows = recipients(campaign_id)
    assert [r.replied_at is not None for r in rows] == [True, False]
    [conversation_id] = read(
        select(Message.conversation_id).where(Message.text == "Ja, gerne!")
    )
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert thread.count("Antwort auf die Kampagne „Frühjahrsangebot“") == 1
    page = client.get(f"/campaigns/{campaign_id}", query_string={"filter": "replied"})
    assert "Kunde 0" in page.get_data(as_text=True)
    assert "Kunde 1" not in page.get_data(as_text=True)
    inbox = client.get("/inbox", query_string={"campaign": campaign_id, "state": "all"})
    html = inbox.get_data(as_text=True)
    assert "Antworten auf „Frühjahrsangebot“" in html
    assert "Kunde 0" in html and "Kunde 1" not in html


def test_the_evidence_names_each_recipients_consent_and_each_left_out_reason(
    client, app, emulator, channel_key
):
    label = people(
        app,
        [
            {"name": "Anna", "number": "+491701000001"},
            {"name": "Carla", "number": "+491701000003", "consent": None},
        ],
    )
    campaign_id = create(client, label, OFFER, **MAPPING)
    launch(client, campaign_id)
    answer = client.get(f"/campaigns/{campaign_id}/evidence.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(
        csv.reader(
            io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    head, anna, carla = rows
    assert head[:5] == [
        "Kontakt-ID",
        "Telefonnummer",
        "Ergebnis",
        "Grund",
        "Nachrichten-ID (WhatsApp)",
    ]
    [wamid] = [s["id"] for s in sent_at_emulator(emulator)]
    assert anna[1:3] == ["+491701000001", "gesendet"] and anna[4] == wamid
    assert anna[6] == "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung)"
    assert (anna[8], anna[9]) == ("import", "Ja, gerne per WhatsApp")
    assert carla[1:4] == [
        "+491701000003",
        "ausgelassen",
        "keine Marketing-Einwilligung mit Nachweis",
    ]
    assert carla[4] == carla[7] == ""
    exported = read(
        select(AuditEvent).where(AuditEvent.action == "campaign.evidence_exported")
    )
    assert [e.details for e in exported] == [{"recipients": 1, "left_out": 1}]


def test_agents_see_campaigns_but_only_owners_and_admins_run_them(
    client, app, auth, emulator, channel_key
):
    from ..support import make_user, workspace_of

    label = people(app, MANY[:2])
    campaign_id = create(client, label, OFFER, **MAPPING)
    launch(client, campaign_id)
    from leadgate.extensions import db
    from leadgate.models import Role, User

    with app.app_context():
        owner = db.session.scalars(select(User)).first()
        make_user("agent@example.com", workspace=workspace_of(owner), role=Role.AGENT)
    auth.logout()
    auth.login("agent@example.com")
    assert client.get("/campaigns/").status_code == 200
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
    for path in (
        "/campaigns/new",
        f"/campaigns/{campaign_id}/edit/review",
        f"/campaigns/{campaign_id}/evidence.csv",
    ):
        assert client.get(path).status_code == 403, path
    for action in ("launch", "pause", "resume", "cancel"):
        assert client.post(f"/campaigns/{campaign_id}/{action}").status_code == 403
