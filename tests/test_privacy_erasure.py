"""Erasure (Art. 17), the suppression list, account and workspace deletion, ownership."""

import json

import pytest
from sqlalchemy import func, select

from leadgate.auth import services as auth_services
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import (
    AuditEvent,
    ConsentRecord,
    Contact,
    Conversation,
    Membership,
    Message,
    MessageStatus,
    Reaction,
    Role,
    SendAttempt,
    Suppression,
    User,
    utcnow,
)
from leadgate.outbound import answers, delivery, sender
from leadgate.privacy import suppression
from leadgate.privacy.erasure import erase_contact
from leadgate.whatsapp.client import WhatsAppError

from .erasure_support import (
    file_exists,
    lena,
    otto,
    rows_pointing_at,
    tables_pointing_at,
)
from .inbox_support import AGENT, OWNER, make_team
from .support import PASSWORD, assert_cross_workspace_404, make_user, workspace_of

ERASE = {"confirm": "LÖSCHEN"}


@pytest.fixture
def team(app, auth):
    team = make_team(app)
    auth.login(OWNER)
    return team


@pytest.fixture
def people(app, team):
    with app.app_context():
        her = lena(team.workspace_id, team.channel_id, team.owner_id)
        other = otto(team.workspace_id, team.channel_id, her.files["shared"])
    return her, other


def audit_events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


# Erasing a contact


def test_erasure_leaves_no_row_and_no_file_of_the_contact(client, app, people):
    her, other = people
    response = client.post(f"/contacts/{her.contact_id}/erase", data=ERASE)

    assert response.status_code == 302
    assert response.location.endswith("/contacts")
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is None
        assert tables_pointing_at("contact")  # the introspection sees them
        assert rows_pointing_at("contact", [her.contact_id]) == {}
        assert rows_pointing_at("conversation", her.conversation_ids) == {}
        assert rows_pointing_at("message", her.message_ids) == {}
        for model, ids in (
            (Conversation, her.conversation_ids),
            (Message, her.message_ids),
        ):
            assert db.session.scalar(select(func.count()).where(model.id.in_(ids))) == 0
        statuses = select(func.count()).where(MessageStatus.wamid.in_(her.wamids))
        assert db.session.scalar(statuses) == 0
        reactions = select(func.count()).where(Reaction.target_wamid.in_(her.wamids))
        assert db.session.scalar(reactions) == 0
        assert db.session.scalar(select(func.count(SendAttempt.id))) == 0
        # Otto keeps everything, including the file both were sent.
        assert db.session.get(Contact, other.contact_id) is not None
        kept = select(func.count()).where(Message.contact_id == other.contact_id)
        assert db.session.scalar(kept) == 2
    assert not file_exists(app, her.files["hers"])
    assert file_exists(app, her.files["shared"])
    assert client.post(f"/contacts/{her.contact_id}/export").status_code == 404
    assert client.get(f"/contacts/{her.contact_id}").status_code == 404


def test_the_erasure_is_audited_without_name_or_number(client, app, team, people):
    her, _ = people
    client.post(f"/contacts/{her.contact_id}/erase", data=ERASE)

    with app.app_context():
        (event,) = audit_events("contact.erased")
        assert (event.workspace_id, event.actor_id) == (
            team.workspace_id,
            team.owner_id,
        )
        assert (event.object_type, event.object_id) == ("contact", her.contact_id)
        assert event.details == {
            "conversations": 2,
            "messages": 4,
            "notes": 1,
            "consents": 2,
            "submissions": 1,
            "campaigns": 0,
            "files": 2,
            "suppressed": True,
        }
        text = json.dumps(event.details, ensure_ascii=False)
        for personal in ("Lena", "Berg", "491701234567", "DE.7777", "lena@"):
            assert personal not in text


def test_without_the_typed_word_nothing_is_erased(client, app, people):
    her, _ = people
    response = client.post(f"/contacts/{her.contact_id}/erase", data={"confirm": "ja"})

    assert response.status_code == 422
    assert 'id="erase-confirm-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is not None
    assert file_exists(app, her.files["hers"])


@pytest.mark.parametrize(
    "word",
    ["LÖSCHEN", "LOESCHEN", " DELETE ", "LO\u0308SCHEN"],  # last: macOS Ö
)
def test_the_word_is_accepted_in_either_language(client, app, people, word):
    her, _ = people
    client.post(f"/contacts/{her.contact_id}/erase", data={"confirm": word})
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is None


@pytest.mark.parametrize("word", ["löschen", "Löschen", "delete"])
def test_the_word_must_be_typed_as_the_label_writes_it(client, app, people, word):
    """The label asks for LÖSCHEN: "löschen" out of habit erases nothing."""
    her, _ = people
    response = client.post(f"/contacts/{her.contact_id}/erase", data={"confirm": word})

    assert response.status_code == 422
    assert "Bitte LÖSCHEN in Großbuchstaben eingeben." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is not None


def test_the_contact_page_offers_erasure_to_managers_only(client, auth, app, people):
    her, _ = people
    page = client.get(f"/contacts/{her.contact_id}").get_data(as_text=True)
    assert 'id="contact-erase"' in page
    assert 'id="erase-suppression"' in page  # she objected: her hash stays
    auth.logout()
    auth.login(AGENT)
    page = client.get(f"/contacts/{her.contact_id}").get_data(as_text=True)
    assert 'id="contact-erase"' not in page
    response = client.post(f"/contacts/{her.contact_id}/erase", data=ERASE)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is not None


def test_a_job_sending_to_an_erased_contact_does_not_crash(app, people):
    her, _ = people
    with app.app_context():
        message = db.session.get(Message, her.message_ids[2])
        attempt = db.session.scalar(select(SendAttempt))
        job = sender.SendJob(message.id, message.conversation_id, attempt.id, {}, 0.0)
        channel_id = message.channel_id
        erase_contact(db.session.get(Contact, her.contact_id))
        db.session.commit()
        error = WhatsAppError(131000, "Something went wrong")
        assert answers.handle_error(job, error) == ("gone", None)
        assert delivery.deliver_due(channel_id) == {}


# The suppression list


def objected_by(kind: str):
    def apply(contact: Contact) -> None:
        if kind == "opted_out_at":
            contact.opted_out_at = utcnow()
        elif kind == "preference":
            contact.marketing_preference = "stop"
        elif kind == "ledger":
            ledger.record(contact, ledger.MARKETING, "opt_out", "keyword", "STOP")

    return apply


@pytest.mark.parametrize(
    ("how", "suppressed"),
    [("opted_out_at", True), ("preference", True), ("ledger", True), ("none", False)],
)
def test_only_an_objection_puts_the_number_on_the_list(app, team, how, suppressed):
    with app.app_context():
        contact = Contact(
            workspace_id=team.workspace_id,
            wa_id="491701112222",
            phone_e164="+491701112222",
            bsuid="DE.42",
        )
        db.session.add(contact)
        db.session.flush()
        ledger.record(contact, ledger.MARKETING, "opt_in", "agent", "Ja")
        objected_by(how)(contact)
        erase_contact(contact)
        db.session.commit()
        kinds = db.session.scalars(select(Suppression.kind).order_by(Suppression.kind))
        assert kinds.all() == (["bsuid", "phone"] if suppressed else [])
        assert audit_events("contact.erased")[0].details["suppressed"] is suppressed
        stored = db.session.scalars(select(Suppression.value_hash)).all()
        assert all("491701112222" not in value for value in stored)
        found = suppression.is_suppressed(team.workspace_id, e164="+491701112222")
        assert found is suppressed
        assert suppression.is_suppressed(team.workspace_id, bsuid="DE.42") is suppressed
        assert suppression.suppressed_numbers(
            team.workspace_id, ["+491701112222", "+491703334444"]
        ) == ({"+491701112222"} if suppressed else set())
        # Bound to the workspace: another one's list does not know the number.
        assert not suppression.is_suppressed(team.workspace_id + 1, "+491701112222")


def test_a_lead_form_after_erasure_records_no_opt_in(client, app, team, people):
    from .test_lead_forms import CONSENT, PRIVACY, add_form, lead, submit

    her, _ = people
    client.post(f"/contacts/{her.contact_id}/erase", data=ERASE)
    with app.app_context():
        workspace = workspace_of(db.session.get(User, team.owner_id))
        workspace.privacy_url, workspace.consent_text = PRIVACY, CONSENT
        db.session.commit()
    add_form(app, team)

    assert submit(client, lead(app)).status_code == 303  # +49 170 1234567: hers

    with app.app_context():
        contact = db.session.scalar(
            select(Contact).where(Contact.phone_e164 == "+491701234567")
        )
        assert contact is not None  # the person asked to be contacted
        assert ledger.history(contact.id) == []
        conversation = db.session.scalar(
            select(Conversation).where(Conversation.contact_id == contact.id)
        )
        event = db.session.scalar(
            select(Message).where(Message.conversation_id == conversation.id)
        )
        assert event.details["suppressed"] is True
    thread = client.get(f"/inbox/{conversation.id}").get_data(as_text=True)
    assert "Einwilligung aus dem Formular wurde nicht erfasst" in thread


def test_an_import_after_erasure_imports_the_number_without_consent(
    client, app, team, people
):
    from .test_contact_import import import_file, stored_import

    her, _ = people
    client.post(f"/contacts/{her.contact_id}/erase", data=ERASE)
    text = (
        "Telefon;Name;E-Mail;Einwilligung;Quelle;Datum;Labels\n"
        "0170 1234567;Lena Berg;;ja;Messe;01.03.2026;\n"
        "0170 7654321;Max Neu;;ja;Messe;01.03.2026;\n"
    )
    import_id = import_file(client, text)

    with app.app_context():
        by_phone = {
            c.phone_e164: c.id
            for c in db.session.scalars(
                select(Contact).where(Contact.workspace_id == team.workspace_id)
            )
        }
        assert ledger.history(by_phone["+491701234567"]) == []
        assert len(ledger.history(by_phone["+491707654321"])) == 2
    done = stored_import(app, import_id)
    assert done.invalid_rows == [
        {
            "row": 2,
            "reason": "Früher widersprochen und gelöscht: ohne Einwilligung importiert.",
            "imported": True,
            "kind": "no_consent",
        }
    ]
    page = client.get(f"/contacts/import/{import_id}/result").get_data(as_text=True)
    assert "widersprochen und gelöscht" in page


# Tenancy


def test_another_workspaces_objects_are_a_404(client, auth, app, people):
    her, _ = people
    with app.app_context():
        stranger = make_user("stranger@example.com", name="Sam Stranger")
        own_workspace = workspace_of(stranger).id
        foreign = db.session.scalar(
            select(Membership).where(Membership.user_id != stranger.id)
        )
        foreign_membership, foreign_workspace = foreign.id, foreign.workspace_id
    auth.logout()
    auth.login("stranger@example.com")
    assert_cross_workspace_404(
        client,
        [
            ("POST", f"/contacts/{her.contact_id}/erase"),
            ("POST", f"/account/delete/workspaces/{foreign_workspace}"),
        ],
    )
    response = client.post(
        "/settings/workspace/transfer",
        data={"member": foreign_membership, "current_password": PASSWORD},
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Contact, her.contact_id) is not None
        assert db.session.get(Membership, foreign_membership).role == Role.OWNER
        assert {m.workspace_id for m in db.session.scalars(select(Membership))} >= {
            own_workspace,
            foreign_workspace,
        }


# Ownership transfer


def test_the_owner_hands_the_workspace_over(client, app, team):
    page = client.get("/settings/workspace").get_data(as_text=True)
    assert 'id="danger-zone"' in page
    with app.app_context():
        agent = db.session.scalar(
            select(Membership).where(Membership.user_id == team.agent_id)
        )
        target = agent.id
    wrong = {"member": target, "current_password": "falsch"}
    assert client.post("/settings/workspace/transfer", data=wrong).status_code == 422

    response = client.post(
        "/settings/workspace/transfer",
        data={"member": target, "current_password": PASSWORD},
    )

    assert response.status_code == 302
    with app.app_context():
        roles = dict(
            db.session.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.workspace_id == team.workspace_id
                )
            ).all()
        )
        assert roles == {team.owner_id: "admin", team.agent_id: "owner"}
        events = audit_events("member.role_changed")
        assert [(e.details["user_id"], e.details["after"]) for e in events] == [
            (team.agent_id, "owner"),
            (team.owner_id, "admin"),
        ]
        assert {e.actor_id for e in events} == {team.owner_id}
    # Now an admin: neither the danger zone nor its pages.
    page = client.get("/settings/workspace").get_data(as_text=True)
    assert 'id="danger-zone"' not in page
    assert client.get("/settings/workspace/transfer").status_code == 403
    assert client.get("/settings/workspace/delete").status_code == 403


def test_only_another_member_can_become_owner(client, app, team):
    with app.app_context():
        own = db.session.scalar(
            select(Membership).where(Membership.user_id == team.owner_id)
        ).id
    response = client.post(
        "/settings/workspace/transfer",
        data={"member": own, "current_password": PASSWORD},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Membership, own).role == Role.OWNER


# Deleting one's account


def test_a_sole_owner_cannot_delete_the_account(client, app, team):
    page = client.get("/account").get_data(as_text=True)
    assert 'id="account-delete"' in page
    page = client.get("/account/delete")
    assert 'id="account-delete-refused"' in page.get_data(as_text=True)

    response = client.post("/account/delete", data={"current_password": PASSWORD})

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, team.owner_id).deleted_at is None
    response = client.post(f"/account/delete/workspaces/{team.workspace_id}")
    assert response.location.endswith("/settings/workspace#danger-zone")


def hand_over_and_delete(client, app, team):
    """The owner makes the agent owner, then deletes their own account."""
    with app.app_context():
        target = db.session.scalar(
            select(Membership.id).where(Membership.user_id == team.agent_id)
        )
    client.post(
        "/settings/workspace/transfer",
        data={"member": target, "current_password": PASSWORD},
    )
    wrong = client.post("/account/delete", data={"current_password": "falsch"})
    assert wrong.status_code == 422
    return client.post("/account/delete", data={"current_password": PASSWORD})


def test_after_a_transfer_the_account_is_deleted_and_anonymised(
    client, auth, app, team, people, outbox
):
    her, _ = people
    with app.app_context():
        conversation = db.session.get(Conversation, her.conversation_ids[0])
        conversation.assignee_id = team.owner_id
        db.session.commit()

    response = hand_over_and_delete(client, app, team)

    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # signed out
    with app.app_context():
        user = db.session.get(User, team.owner_id)
        assert user.deleted_at is not None
        assert (user.name, user.email) == (
            "ehemaliges Teammitglied",
            f"deleted-{user.id}@deleted.invalid",
        )
        assert (user.locale, user.is_platform_admin, user.memberships) == (
            None,
            False,
            [],
        )
        assert db.session.get(Conversation, her.conversation_ids[0]).assignee_id is None
        # The messages they wrote stay in the customer's conversation.
        written = select(func.count()).where(Message.author_id == user.id)
        assert db.session.scalar(written) == 3
        (deleted,) = audit_events("account.deleted")
        assert (deleted.workspace_id, deleted.object_id) == (None, user.id)
        (removed,) = audit_events("member.removed")
        assert removed.workspace_id == team.workspace_id
        assert "olga" not in json.dumps(deleted.details).lower()
        token = auth_services.make_password_reset_token(user)
    assert auth.login(OWNER).status_code != 302  # refused: the form again
    assert client.get("/account").status_code == 302
    assert client.get(f"/password-reset/{token}").status_code == 302  # refused
    auth.login(AGENT)
    thread = client.get(f"/inbox/{her.conversation_ids[0]}").get_data(as_text=True)
    assert "Olga Owner" not in thread.replace("Workspace Olga Owner", "")
    assert "Interne Notiz von ehemaliges Teammitglied" in thread
    assert thread.count("ehemaliges Teammitglied") == 3  # message, note, event


def test_messages_of_a_purged_account_name_a_former_member(client, app, team, people):
    her, _ = people
    with app.app_context():
        conversation = db.session.get(Conversation, her.conversation_ids[0])
        db.session.execute(
            Message.__table__.update()
            .where(Message.author_id == team.owner_id)
            .values(author_id=None)
        )
        db.session.add(
            Message.of(
                conversation,
                direction="out",
                type="text",
                text="Sie sind abgemeldet.",
                details={"kind": "opt_out_confirmation"},
                status="sent",
                sent_at=utcnow(),
            )
        )
        db.session.commit()

    thread = client.get(f"/inbox/{her.conversation_ids[0]}").get_data(as_text=True)

    assert "Interne Notiz von ehemaliges Teammitglied" in thread
    assert "ehemaliges Teammitglied hat das Gespräch zurückgestellt" in thread
    assert thread.count("ehemaliges Teammitglied") == 3  # not the confirmation


def test_assignment_events_forget_the_deleted_members_name(client, auth, app, team):
    from .inbox_support import add_conversations

    (conversation_id,) = add_conversations(app, team, 1)
    auth.logout()
    auth.login(AGENT)
    client.post(f"/inbox/{conversation_id}/assign", data={"assignee": team.agent_id})
    auth.logout()
    auth.login(OWNER)
    client.post(f"/inbox/{conversation_id}/assign", data={"assignee": team.owner_id})
    hand_over_and_delete(client, app, team)

    auth.login(AGENT)
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Olga Owner" not in thread.replace("Workspace Olga Owner", "")
    assert "ehemaliges Teammitglied hat sich das Gespräch zugewiesen" in thread
    assert "Arne Agent hat sich das Gespräch zugewiesen" in thread


# Deleting a workspace


def text_webhook(phone_number_id: str = "3000000001") -> bytes:
    from .webhook_fixtures import load_payload, meta_bytes

    payload = load_payload("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    return meta_bytes(payload)


def post_webhook(client, key: str, body: bytes):
    from .webhook_fixtures import sign

    return client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, "secret"),
        },
        csrf=False,
    )


def other_workspace(shared_sha256: str) -> int:
    """Someone else's workspace, one of whose messages names the shared file."""
    from .erasure_support import otto as other_contact
    from .erasure_support import second_channel

    stranger = make_user("stranger@example.com", name="Sam Stranger")
    workspace_id = workspace_of(stranger).id
    channel_id = second_channel(workspace_id, phone_number_id="4000000001")
    other_contact(workspace_id, channel_id, shared_sha256)
    return workspace_id


def test_deleting_a_workspace_removes_all_of_it(client, auth, app, team, people):
    from leadgate.models import Channel, WebhookEvent, Workspace

    from .erasure_support import workspace_rows

    her, _ = people
    with app.app_context():
        key = db.session.get(Channel, team.channel_id).key
        channel_ids = db.session.scalars(
            select(Channel.id).where(Channel.workspace_id == team.workspace_id)
        ).all()
        theirs = other_workspace(her.files["shared"])
        before = workspace_rows(theirs)
    assert post_webhook(client, key, text_webhook()).status_code == 200
    page = client.get("/settings/workspace/delete")
    assert 'id="workspace-delete"' in page.get_data(as_text=True)
    for name in ("Anderer Name", "workspace olga owner"):  # case counts too
        wrong = {"name": name, "current_password": PASSWORD}
        refused = client.post("/settings/workspace/delete", data=wrong)
        assert refused.status_code == 422
        assert "Groß- und Kleinschreibung" in refused.get_data(as_text=True)

    response = client.post(
        "/settings/workspace/delete",
        data={"name": " Workspace  Olga Owner ", "current_password": PASSWORD},
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Workspace, team.workspace_id) is None
        assert workspace_rows(team.workspace_id) == {}
        assert rows_pointing_at("channel", channel_ids) == {}
        assert rows_pointing_at("contact", [her.contact_id]) == {}
        assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
        assert db.session.scalar(select(func.count(ConsentRecord.id))) == 0
        assert workspace_rows(theirs) == before
        assert db.session.get(User, team.agent_id) is not None  # only the membership
        (event,) = audit_events("workspace.deleted")
        assert event.workspace_id is None and event.actor_id == team.owner_id
        assert event.details["workspace_id"] == team.workspace_id
    assert not file_exists(app, her.files["hers"])
    assert file_exists(app, her.files["shared"])  # the other workspace names it
    assert post_webhook(client, key, text_webhook()).status_code == 404
    # Members land where someone without a workspace starts a new one.
    assert client.get("/inbox").location.endswith("/workspaces/new")
    auth.logout()
    auth.login(AGENT)
    assert client.get("/inbox").location.endswith("/workspaces/new")


def test_jobs_queued_for_a_deleted_workspace_do_nothing(client, app, team, people):
    from leadgate.media import download_media
    from leadgate.outbound.receipts import send_read_receipt
    from leadgate.outbound.templates import sync_templates
    from leadgate.webhooks.ingest import process_pending_webhooks

    her, _ = people
    with app.app_context():
        message_id = her.message_ids[1]
        db.session.get(Message, message_id).media_state = "pending"
        db.session.get(Message, message_id).media_id = "media.1"
        db.session.commit()
    client.post(
        "/settings/workspace/delete",
        data={"name": "Workspace Olga Owner", "current_password": PASSWORD},
    )

    with app.app_context():
        assert delivery.deliver_due(team.channel_id) == {}
        assert download_media(message_id) == "skipped"
        assert sync_templates(team.channel_id) == 0
        assert send_read_receipt(team.channel_id, message_id) is None
        assert process_pending_webhooks() == 0


def test_only_the_owner_deletes_the_workspace(client, auth, app, team):
    with app.app_context():
        agent = db.session.scalar(
            select(Membership).where(Membership.user_id == team.agent_id)
        )
        agent.role = Role.ADMIN
        db.session.commit()
    auth.logout()
    auth.login(AGENT)
    assert 'id="danger-zone"' not in client.get("/settings/workspace").get_data(
        as_text=True
    )
    response = client.post(
        "/settings/workspace/delete",
        data={"name": "Workspace Olga Owner", "current_password": PASSWORD},
    )
    assert response.status_code == 403


def test_a_web_process_with_stale_keys_answers_503_then_404(client, app, team):
    from leadgate.models import Channel
    from leadgate.webhooks.contract import keys_cache

    with app.app_context():
        channel = db.session.get(Channel, team.channel_id)
        key, token = channel.key, channel.verify_token
    client.post(
        "/settings/workspace/delete",
        data={"name": "Workspace Olga Owner", "current_password": PASSWORD},
    )
    # Another web process still holds the deleted channel's keys in its cache.
    keys_cache.put(key, team.channel_id, token, "secret")

    assert post_webhook(client, key, text_webhook()).status_code == 503  # Meta retries
    assert post_webhook(client, key, text_webhook()).status_code == 404
