"""Every tenant sees only its own data: another workspace's object is a 404.

SCOPED_ROUTES lists each route whose URL names a workspace object, with the
requests that aim at an object of a foreign workspace. The first test fails as
soon as a route with a URL parameter is added without being listed here.
"""

import pytest
from sqlalchemy import select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    CannedResponse,
    Contact,
    ContactField,
    ContactImport,
    Conversation,
    Invite,
    Label,
    LeadForm,
    Membership,
    Message,
    Role,
    utcnow,
)
from leadgate.workspaces.services import create_invite

from .support import assert_cross_workspace_404, make_user, membership_of, workspace_of

SCOPED_ROUTES = {
    "workspaces.revoke_invite": lambda foreign: [
        ("POST", f"/settings/invites/{foreign['invite']}/revoke")
    ],
    "workspaces.change_role": lambda foreign: [
        ("POST", f"/settings/members/{foreign['member']}/role")
    ],
    "workspaces.remove_member": lambda foreign: [
        ("POST", f"/settings/members/{foreign['member']}/remove")
    ],
    "channels.show": lambda foreign: [
        ("GET", f"/settings/channels/{foreign['channel']}")
    ],
    "channels.replace_secrets": lambda foreign: [
        ("POST", f"/settings/channels/{foreign['channel']}/secrets")
    ],
    "channels.test": lambda foreign: [
        ("POST", f"/settings/channels/{foreign['channel']}/test")
    ],
    "inbox.show": lambda foreign: [("GET", f"/inbox/{foreign['conversation']}")],
    "inbox.send": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/messages")
    ],
    "inbox.template_fields": lambda foreign: [
        ("GET", f"/inbox/{foreign['conversation']}/template")
    ],
    "inbox.send_template": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/template")
    ],
    "inbox.react": lambda foreign: [
        ("POST", f"/inbox/messages/{foreign['message']}/react")
    ],
    "inbox.resend_message": lambda foreign: [
        ("POST", f"/inbox/messages/{foreign['message']}/resend")
    ],
    "inbox.media": lambda foreign: [("GET", f"/inbox/media/{foreign['message']}")],
    "inbox.assign": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/assign")
    ],
    "inbox.change_state": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/state")
    ],
    "inbox.snooze": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/snooze")
    ],
    "inbox.add_label": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/labels")
    ],
    "inbox.remove_label": lambda foreign: [
        (
            "POST",
            f"/inbox/{foreign['conversation']}/labels/{foreign['label']}/remove",
        ),
        (
            "POST",
            f"/inbox/{foreign['our_conversation']}/labels/{foreign['label']}/remove",
        ),
    ],
    "canned.delete": lambda foreign: [
        ("POST", f"/settings/canned-responses/{foreign['canned']}/delete")
    ],
    "labels.delete": lambda foreign: [
        ("POST", f"/settings/labels/{foreign['label']}/delete")
    ],
    "inbox.report_presence": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/presence")
    ],
    "inbox.presence_fragment": lambda foreign: [
        ("GET", f"/inbox/{foreign['conversation']}/presence")
    ],
    "inbox.record_objection": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/objection")
    ],
    "inbox.restrict": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/restrict")
    ],
    "inbox.lift_restriction": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/lift-restriction")
    ],
    "inbox.add_note": lambda foreign: [
        ("POST", f"/inbox/{foreign['conversation']}/notes")
    ],
    "contacts.show": lambda foreign: [
        ("GET", f"/contacts/{foreign['contact']}"),
        ("POST", f"/contacts/{foreign['contact']}"),
    ],
    "contacts.restrict": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/restrict")
    ],
    "contacts.lift_restriction": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/lift-restriction")
    ],
    "contacts.record_consent": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/consent")
    ],
    "contacts.merge_into": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/merge/{foreign['our_contact']}"),
        ("POST", f"/contacts/{foreign['our_contact']}/merge/{foreign['contact']}"),
    ],
    "contacts.import_mapping": lambda foreign: [
        ("GET", f"/contacts/import/{foreign['import']}"),
        ("POST", f"/contacts/import/{foreign['import']}"),
    ],
    "contacts.import_run": lambda foreign: [
        ("POST", f"/contacts/import/{foreign['import']}/run")
    ],
    "contacts.import_result": lambda foreign: [
        ("GET", f"/contacts/import/{foreign['import']}/result")
    ],
    "contacts.import_invalid_csv": lambda foreign: [
        ("GET", f"/contacts/import/{foreign['import']}/invalid.csv")
    ],
    "leadforms.edit": lambda foreign: [
        ("GET", f"/settings/lead-forms/{foreign['lead_form']}"),
        ("POST", f"/settings/lead-forms/{foreign['lead_form']}"),
    ],
    "leadforms.delete": lambda foreign: [
        ("POST", f"/settings/lead-forms/{foreign['lead_form']}/delete")
    ],
    "leadforms.submissions": lambda foreign: [
        ("GET", f"/settings/lead-forms/{foreign['lead_form']}/submissions")
    ],
    "privacy.erase_contact": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/erase")
    ],
    "privacy.open_owned_workspace": lambda foreign: [
        ("POST", f"/account/delete/workspaces/{foreign['workspace']}")
    ],
    "privacy.export_contact": lambda foreign: [
        ("POST", f"/contacts/{foreign['contact']}/export")
    ],
    "contact_fields.delete_field": lambda foreign: [
        ("POST", f"/settings/contacts/fields/{foreign['contact_field']}/delete")
    ],
}

# Parameters that are not workspace objects, with the reason.
NOT_WORKSPACE_OBJECTS = {
    "static": "public static files",
    "auth.password_reset": "signed, expiring token bound to one user",
    "account.confirm_email": "signed token, applied only to the signed-in user",
    "workspaces.accept_invite": "secret invite token (its hash is looked up)",
    "webhooks.verify": "Meta's handshake: secret channel key plus verify token",
    "webhooks.receive": "Meta's webhook: secret channel key plus HMAC signature",
    "leadform_public.show": "public lead form by slug: active forms of workspaces "
    "with a privacy notice, meant for anyone",
    "leadform_public.thanks": "public thank-you page of a lead form, by slug",
}


@pytest.fixture
def foreign(app):
    """Workspace A (ours, signed in as its owner) and objects of workspace B."""
    with app.app_context():
        ours = make_user("a@example.com", name="Alice A")
        theirs = make_user("b@example.com", name="Bob B")
        their_workspace = workspace_of(theirs)
        agent = make_user(
            "b-agent@example.com",
            name="Bert B",
            workspace=their_workspace,
            role=Role.AGENT,
        )
        create_invite(their_workspace, "b-invite@example.com", "agent", theirs)
        channel = create_channel(
            their_workspace,
            name="B-Kanal",
            phone_number_id="2000000001",
            waba_id="2000000002",
            access_token="b-token",
            app_secret="b-secret",
        )
        db.session.flush()
        ws = their_workspace.id
        contact = Contact(
            workspace_id=ws, wa_id="4917000000001", profile_name="Bea Kundin"
        )
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=ws, channel_id=channel.id, contact_id=contact.id
        )
        db.session.add(conversation)
        db.session.flush()
        message = Message(
            workspace_id=ws,
            channel_id=channel.id,
            conversation_id=conversation.id,
            contact_id=contact.id,
            direction="in",
            wamid="wamid.b1",
            type="image",
            media_state="stored",
            media_sha256="0" * 64,
            media_mime_type="image/png",
            sent_at=utcnow(),
        )
        db.session.add(message)
        label = Label(workspace_id=ws, name="B-Label")
        db.session.add(label)
        canned = CannedResponse(workspace_id=ws, shortcut="b", text="B-Text")
        db.session.add(canned)
        contact_field = ContactField(workspace_id=ws, key="b", label="B-Feld")
        db.session.add(contact_field)
        # Finished, with a row left out: its owner could download it (200).
        contact_import = ContactImport(
            workspace_id=ws,
            filename="b.csv",
            file_sha256="0" * 64,
            content=b"Telefon\nx\n",
            state="done",
            invalid_rows=[{"row": 2, "reason": "x"}],
        )
        db.session.add(contact_import)
        lead_form = LeadForm(
            workspace_id=ws, channel_id=channel.id, slug="b-form", name="B", fields=[]
        )
        db.session.add(lead_form)
        our_channel = create_channel(
            workspace_of(ours),
            name="A-Kanal",
            phone_number_id="1000000001",
            waba_id="1000000002",
            access_token="a-token",
            app_secret="a-secret",
        )
        db.session.flush()
        our_contact = Contact(
            workspace_id=our_channel.workspace_id, wa_id="4917000000002"
        )
        db.session.add(our_contact)
        db.session.flush()
        our_conversation = Conversation(
            workspace_id=our_channel.workspace_id,
            channel_id=our_channel.id,
            contact_id=our_contact.id,
        )
        db.session.add(our_conversation)
        db.session.commit()
        return {
            "ours": workspace_of(ours).id,
            "workspace": their_workspace.id,
            "member": membership_of(agent, their_workspace).id,
            "owner_member": membership_of(theirs, their_workspace).id,
            "invite": db.session.scalar(select(Invite.id)),
            "channel": channel.id,
            "conversation": conversation.id,
            "message": message.id,
            "label": label.id,
            "canned": canned.id,
            "our_conversation": our_conversation.id,
            "contact": contact.id,
            "our_contact": our_contact.id,
            "contact_field": contact_field.id,
            "import": contact_import.id,
            "lead_form": lead_form.id,
        }


def test_every_route_with_an_object_id_is_tenancy_checked(app):
    unchecked = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.arguments
        and rule.endpoint not in SCOPED_ROUTES
        and rule.endpoint not in NOT_WORKSPACE_OBJECTS
    ]
    assert unchecked == [], "add these routes to SCOPED_ROUTES in tests/test_tenancy.py"


@pytest.mark.parametrize("endpoint", sorted(SCOPED_ROUTES))
def test_foreign_objects_answer_404(client, auth, app, foreign, endpoint):
    auth.login("a@example.com")
    assert_cross_workspace_404(client, SCOPED_ROUTES[endpoint](foreign))
    with app.app_context():  # and nothing changed over there
        assert db.session.get(Membership, foreign["member"]).role == "agent"
        assert db.session.get(Invite, foreign["invite"]).revoked_at is None


def test_owner_role_elsewhere_does_not_reach_foreign_objects(
    client, auth, app, foreign
):
    auth.login("a@example.com")
    for method, url in SCOPED_ROUTES["workspaces.change_role"](
        {"member": foreign["owner_member"]}
    ):
        assert (
            client.open(url, method=method, data={"role": "agent"}).status_code == 404
        )


def test_switching_to_a_foreign_workspace_is_404(client, auth, foreign):
    auth.login("a@example.com")
    response = client.post(
        "/workspaces/switch", data={"workspace_id": foreign["workspace"]}
    )
    assert response.status_code == 404
    assert "Workspace Alice A" in client.get("/inbox").get_data(as_text=True)


def test_pages_list_only_own_workspace_data(client, auth, foreign):
    auth.login("a@example.com")
    members = client.get("/settings/members").get_data(as_text=True)
    assert "Alice A" in members
    for foreign_text in ("Bob B", "Bert B", "b-invite@example.com"):
        assert foreign_text not in members
    for url in ("/inbox", "/settings/channels", "/contacts", "/contacts?q=Bea"):
        page = client.get(url).get_data(as_text=True)
        assert "Bea Kundin" not in page and "B-Kanal" not in page
    assert "B-Feld" not in client.get("/settings/contacts").get_data(as_text=True)
    export = client.get("/contacts/export.csv").get_data(as_text=True)
    assert "4917000000002" in export and "Bea Kundin" not in export
    settings = client.get("/settings/workspace").get_data(as_text=True)
    assert "Workspace Alice A" in settings and "Workspace Bob B" not in settings
