"""The audit trail: every audited action leaves who, when, what and which object — no content."""

import json
import re

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import AuditEvent, Contact, Conversation, Membership, utcnow

from .inbox_support import AGENT, OWNER, make_team
from .support import PASSWORD

CHANNEL_FORM = {
    "name": "Recruiting",
    "phone_number_id": "555000111",
    "waba_id": "555000222",
    "access_token": "EAAG-secret-token",
    "app_secret": "app-secret-123",
}


def events(app, workspace_id=None) -> list[tuple]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if workspace_id is not None:
            query = query.where(AuditEvent.workspace_id == workspace_id)
        return [
            (e.action, e.object_type, e.actor.email if e.actor else None, e.details)
            for e in db.session.scalars(query)
        ]


def test_team_and_channel_changes_are_recorded(app, client, auth, runner, outbox):
    team = make_team(app)
    auth.login(OWNER)
    invited = client.post(
        "/settings/members/invite", data={"email": "neu@example.com", "role": "agent"}
    )
    link = re.search(r"http://[^\s\"<]+/invite/[\w-]+", invited.get_data(as_text=True))
    newcomer = app.test_client()
    newcomer.post(
        link.group(0),
        data={"name": "Nina Neu", "email": "neu@example.com", "password": PASSWORD},
    )
    # The sign-up through an invite is confirmed by the mailed link.
    confirm = re.search(
        r"http://localhost(/register/confirm/\S+)", outbox[-1].get_content()
    )
    newcomer.post(confirm.group(1))
    client.post(
        "/settings/members/invite", data={"email": "weg@example.com", "role": "agent"}
    )
    with app.app_context():
        agent = db.session.scalars(
            select(Membership).where(Membership.user_id == team.agent_id)
        ).one()
        from leadgate.models import Invite

        open_invite = db.session.scalars(
            select(Invite.id).where(Invite.email == "weg@example.com")
        ).one()
    client.post(f"/settings/invites/{open_invite}/revoke")
    client.post(f"/settings/members/{agent.id}/role", data={"role": "admin"})
    client.post(f"/settings/members/{agent.id}/remove")
    channel = client.post("/settings/channels/new", data=CHANNEL_FORM)
    channel_id = int(channel.headers["Location"].rsplit("/", 1)[1])
    client.post(
        f"/settings/channels/{channel_id}/secrets", data={"access_token": "EAAG-neu"}
    )
    result = runner.invoke(
        args=[
            "channel",
            "add",
            "--workspace",
            str(team.workspace_id),
            "--name",
            "CLI",
            "--phone-number-id",
            "777",
            "--waba-id",
            "778",
            "--access-token",
            "t",
            "--app-secret",
            "s",
        ]
    )
    assert result.exit_code == 0, result.output
    recorded = events(app, team.workspace_id)
    assert [(action, kind, actor) for action, kind, actor, _ in recorded] == [
        ("member.invited", "invite", OWNER),
        ("member.joined", "membership", "neu@example.com"),
        ("member.invited", "invite", OWNER),
        ("member.invite_revoked", "invite", OWNER),
        ("member.role_changed", "membership", OWNER),
        ("member.removed", "membership", OWNER),
        ("channel.connected", "channel", OWNER),
        ("channel.secrets_replaced", "channel", OWNER),
        ("channel.connected", "channel", None),
    ]
    details = [d for *_, d in recorded]
    assert details[4] == {"user_id": team.agent_id, "before": "agent", "after": "admin"}
    assert details[7] == {"access_token": True, "app_secret": False}
    assert details[8] == {"via": "cli"}
    text = json.dumps(details)
    for secret in ("EAAG", "app-secret", "neu@example.com", "weg@example.com"):
        assert secret not in text


def add_contact(app, team) -> tuple[int, int]:
    with app.app_context():
        contact = Contact(
            workspace_id=team.workspace_id,
            name="Petra Privat",
            phone_e164="+491701234567",
            wa_id="491701234567",
        )
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            contact_id=contact.id,
            last_activity_at=utcnow(),
        )
        db.session.add(conversation)
        db.session.commit()
        return contact.id, conversation.id


def test_consent_restriction_merge_and_exports_are_recorded(app, client, auth):
    team = make_team(app)
    contact_id, conversation_id = add_contact(app, team)
    with app.app_context():
        twin = Contact(workspace_id=team.workspace_id, phone_e164="+491701234567")
        db.session.add(twin)
        db.session.commit()
        twin_id = twin.id
    auth.login(AGENT)
    client.post(
        f"/contacts/{contact_id}/consent",
        data={
            "purpose": "whatsapp_marketing",
            "action": "opt_in",
            "wording": "Ja, gern",
            "note": "Messe",
        },
    )
    client.post(
        f"/inbox/{conversation_id}/restrict", data={"reason": "Richtigkeit bestritten"}
    )
    client.post(f"/contacts/{contact_id}/lift-restriction")
    client.post(f"/inbox/{conversation_id}/objection")
    client.post(f"/contacts/{contact_id}/merge/{twin_id}")
    auth.logout()
    auth.login(OWNER)
    client.get("/contacts/export.csv", query_string={"q": "Petra", "consent": "opt_in"})
    recorded = events(app, team.workspace_id)
    assert [(a, k, actor) for a, k, actor, _ in recorded] == [
        ("consent.recorded", "contact", AGENT),
        ("restriction.added", "contact", AGENT),
        ("restriction.lifted", "contact", AGENT),
        ("objection.recorded", "contact", AGENT),
        ("contact.merged", "contact", AGENT),
        ("contacts.exported", None, OWNER),
    ]
    assert recorded[0][3] == {"purpose": "whatsapp_marketing", "action": "opt_in"}
    assert recorded[4][3] == {"merged_id": twin_id}
    assert recorded[5][3] == {"filters": ["consent", "q"]}
    text = json.dumps([d for *_, d in recorded])
    for content in ("Petra", "Richtigkeit", "Ja, gern", "Messe", "491701234567"):
        assert content not in text


def test_owners_and_admins_read_and_filter_the_trail(app, client, auth):
    team = make_team(app)
    contact_id, conversation_id = add_contact(app, team)
    auth.login(AGENT)
    assert client.get("/settings/audit").status_code == 403
    client.post(f"/contacts/{contact_id}/restrict", data={"reason": "Prüfung"})
    client.post(f"/contacts/{contact_id}/lift-restriction")
    auth.logout()
    auth.login(OWNER)
    page = client.get("/settings/audit").get_data(as_text=True)
    assert "Verarbeitung eingeschränkt" in page and "Einschränkung aufgehoben" in page
    assert "Arne Agent" in page and f"/contacts/{contact_id}" in page
    assert "Prüfung" not in page
    only = client.get(
        "/settings/audit",
        query_string={"action": "restriction.lifted"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert (
        "Einschränkung aufgehoben" in only and "Verarbeitung eingeschränkt" not in only
    )
    assert "<html" not in only
    assert (
        client.get("/settings/audit", query_string={"actor": team.owner_id})
        .get_data(as_text=True)
        .count('class="audit-item"')
        == 0
    )
    earlier = client.get("/settings/audit", query_string={"to": "2020-01-01"}).get_data(
        as_text=True
    )
    assert "Keine Einträge." in earlier


def test_the_trail_pages_without_gaps(app, client, auth):
    team = make_team(app)
    contact_id, _ = add_contact(app, team)
    with app.app_context():
        for n in range(120):
            db.session.add(
                AuditEvent(
                    workspace_id=team.workspace_id,
                    action="consent.recorded",
                    object_type="contact",
                    object_id=contact_id,
                    details={"n": n},
                    created_at=utcnow(),
                )
            )
        db.session.commit()
    auth.login(OWNER)
    seen, after = [], None
    while True:
        page = client.get(
            "/settings/audit",
            query_string={"after": after} if after else {},
            headers={"HX-Request": "true"},
        ).get_data(as_text=True)
        seen += re.findall(r'id="audit-(\d+)"', page)
        found = re.search(r"after=([^&\"]+)", page)
        if not found:
            break
        after = found.group(1).replace("%3A", ":").replace("%2B", "+")
    assert len(seen) == len(set(seen)) == 120


def test_another_workspace_sees_none_of_it(app, client, auth):
    team = make_team(app)
    contact_id, _ = add_contact(app, team)
    auth.login(AGENT)
    client.post(f"/contacts/{contact_id}/restrict", data={"reason": "x"})
    auth.logout()
    from .support import make_user

    with app.app_context():
        make_user("fremd@example.com", name="Fremde Firma")
    auth.login("fremd@example.com")
    page = client.get("/settings/audit").get_data(as_text=True)
    assert "Keine Einträge." in page and 'class="audit-item"' not in page
