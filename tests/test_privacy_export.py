"""Access and portability (Art. 15, 20): the contact export and "Meine Daten"."""

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.channels.services import create_channel
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.media import media_path, store_bytes
from leadgate.models import (
    AuditEvent,
    Contact,
    ContactLabel,
    Conversation,
    Label,
    LeadForm,
    LeadSubmission,
    Message,
    MessageStatus,
    Reaction,
    User,
    utcnow,
)
from leadgate.privacy.export.contact import contact_document

from .inbox_support import AGENT, OWNER, counted_queries, make_team
from .support import assert_cross_workspace_404, make_user, workspace_of

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
GONE = b"a file deleted from disk behind our back"
WA_ID, BSUID = "491701234567", "DE.1234567890abcdef"
# Words only other people's data holds: none may appear in Anna's export.
FOREIGN = ("Bernd", "Geheimnis", "Notiz über Bernd", "wamid.bernd", "Carla", "😡")


@dataclass
class Seeded:
    workspace_id: int
    anna_id: int
    other_workspace_id: int
    carla_id: int


class Thread:
    """Adds messages to one conversation, one minute apart."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.at = utcnow() - timedelta(days=2)

    def add(self, **fields) -> Message:
        self.at += timedelta(minutes=1)
        fields.setdefault("direction", "in")
        fields.setdefault("type", "text")
        message = Message.of(self.conversation, sent_at=self.at, **fields)
        db.session.add(message)
        db.session.flush()
        return message


def conversation_with(contact: Contact, channel_id: int) -> Thread:
    conversation = Conversation(
        workspace_id=contact.workspace_id, channel_id=channel_id, contact_id=contact.id
    )
    db.session.add(conversation)
    db.session.flush()
    return Thread(conversation)


def add_anna(team, second_channel_id: int) -> int:
    owner = db.session.get(User, team.owner_id)
    anna = Contact(
        workspace_id=team.workspace_id,
        wa_id=WA_ID,
        bsuid=BSUID,
        username="anna.b",
        profile_name="Anna B.",
        name="Anna Beispiel",
        email="anna@example.com",
        phone_e164="+491701234567",
        attributes={"branche": "Handel"},
        restricted_at=utcnow(),
        restricted_reason="Richtigkeit bestritten",
    )
    db.session.add(anna)
    db.session.flush()
    label = Label(workspace_id=team.workspace_id, name="VIP")
    db.session.add(label)
    db.session.flush()
    db.session.add(ContactLabel(contact_id=anna.id, label_id=label.id))
    add_anna_threads(anna, team, second_channel_id, owner)
    form = LeadForm(
        workspace_id=team.workspace_id,
        channel_id=team.channel_id,
        slug="messe",
        name="Messe 2026",
    )
    db.session.add(form)
    db.session.flush()
    submission = LeadSubmission(
        workspace_id=team.workspace_id,
        form_id=form.id,
        contact_id=anna.id,
        data={"name": "Anna Beispiel", "message": "Bitte Rückruf"},
        consent_given=True,
        consent_text="Ich bin einverstanden.",
    )
    db.session.add(submission)
    db.session.flush()
    ledger.record(
        anna, ledger.MARKETING, "opt_in", "lead_form", "Ich bin einverstanden.",
        submission_id=submission.id,
    )  # fmt: skip
    ledger.record(anna, ledger.MARKETING, "opt_out", "agent", "Per Telefon", by=owner)
    return anna.id


def add_anna_threads(anna, team, second_channel_id, owner) -> None:
    thread = conversation_with(anna, team.channel_id)
    thread.add(wamid="wamid.a1", text="Hallo, ich habe Interesse")
    ours = thread.add(
        direction="out", wamid="wamid.a2", text="=Gern! Wann passt es?",
        reply_to_wamid="wamid.a1", status="read", author_id=owner.id,
    )  # fmt: skip
    thread.add(
        direction="out", type="text", text="Nachfassen", status="failed",
        error_code=131047, error_title="Re-engagement message", author_id=owner.id,
    )  # fmt: skip
    thread.add(
        wamid="wamid.a3", type="image", caption="Mein Lebenslauf",
        media_mime_type="image/png", media_sha256=store_bytes(PICTURE),
        media_size=len(PICTURE), media_state="stored",
    )  # fmt: skip
    thread.add(
        wamid="wamid.a4", type="document", media_filename="zeugnis.pdf",
        media_mime_type="application/pdf", media_state="failed",
    )  # fmt: skip
    gone = store_bytes(GONE)
    media_path(gone).unlink()
    thread.add(
        direction="out", wamid="wamid.a5", type="document", media_filename="x.pdf",
        media_mime_type="application/pdf", media_sha256=gone, media_state="stored",
    )  # fmt: skip
    thread.add(
        direction="out", wamid="wamid.a6", type="reaction", status="sent",
        details={"reaction": {"to": "wamid.a1", "emoji": "❤️"}},
    )  # fmt: skip
    thread.add(
        direction="note", type="note", text="Rückruf Dienstag", author_id=owner.id
    )
    thread.add(direction="event", type="event", details={"kind": "assigned"})
    for status in ("sent", "delivered", "read"):
        db.session.add(
            MessageStatus(
                channel_id=team.channel_id, wamid=ours.wamid, status=status,
                timestamp=thread.at,
            )
        )  # fmt: skip
    db.session.add(
        Reaction(
            channel_id=team.channel_id, contact_id=anna.id, target_wamid=ours.wamid,
            emoji="👍", reacted_at=thread.at,
        )
    )  # fmt: skip
    recruiting = conversation_with(anna, second_channel_id)
    recruiting.add(wamid="wamid.r1", text="Bewerbung als Fahrerin")


def add_bernd(team) -> None:
    """Another contact of the same workspace, with a thread on the same number."""
    bernd = Contact(workspace_id=team.workspace_id, wa_id="491709999999", name="Bernd")
    db.session.add(bernd)
    db.session.flush()
    thread = conversation_with(bernd, team.channel_id)
    thread.add(wamid="wamid.bernd1", text="Mein Geheimnis")
    thread.add(direction="note", type="note", text="Notiz über Bernd")
    db.session.add(
        Reaction(
            channel_id=team.channel_id, contact_id=bernd.id, target_wamid="wamid.a2",
            emoji="😡", reacted_at=utcnow(),
        )
    )  # fmt: skip
    ledger.record(bernd, ledger.MARKETING, "opt_in", "import", "Bernd sagt ja")


@pytest.fixture
def seeded(app) -> Seeded:
    team = make_team(app)
    with app.app_context():
        workspace = workspace_of(db.session.get(User, team.owner_id))
        second = create_channel(
            workspace, name="Recruiting", phone_number_id="3000000009",
            waba_id="3000000002", access_token="t", app_secret="s",
            display_phone="+49 30 1234567",
        )  # fmt: skip
        db.session.flush()
        anna_id = add_anna(team, second.id)
        add_bernd(team)
        other = make_user("other@example.com", name="Carla Chefin")
        carla = Contact(workspace_id=workspace_of(other).id, wa_id=WA_ID, name="Carla")
        db.session.add(carla)
        db.session.flush()
        conversation_with(carla, second.id).add(text="Carlas Nachricht")
        db.session.commit()
        return Seeded(team.workspace_id, anna_id, workspace_of(other).id, carla.id)


def unzip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def export_as_owner(client, auth, anna_id: int) -> zipfile.ZipFile:
    auth.login(OWNER)
    response = client.post(f"/contacts/{anna_id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert f"kontakt-{anna_id}-" in response.headers["Content-Disposition"]
    return unzip(response.data)


def messages_of(document: dict) -> list[dict]:
    return [m for c in document["conversations"] for m in c["messages"]]


def test_the_export_holds_everything_about_the_contact(app, client, auth, seeded):
    archive = export_as_owner(client, auth, seeded.anna_id)
    document = json.loads(archive.read("contact.json"))
    contact = document["contact"]
    assert (contact["wa_id"], contact["bsuid"], contact["username"]) == (
        WA_ID, BSUID, "anna.b",
    )  # fmt: skip
    assert contact["attributes"] == {"branche": "Handel"}
    assert contact["labels"] == ["VIP"]
    assert contact["created_at"].endswith("Z")
    assert document["restriction"]["restricted"] is True
    assert document["restriction"]["reason"] == "Richtigkeit bestritten"
    consents = document["consents"]
    assert [c["action"] for c in consents] == ["opt_in", "opt_out"]
    assert consents[0]["evidence"]["submission_id"]
    assert consents[1]["recorded_by"] == "Olga Owner"
    assert document["lead_submissions"][0]["data"]["message"] == "Bitte Rückruf"
    assert document["notes"][0]["text"] == "Rückruf Dienstag"
    assert document["notes"][0]["author"] == "Olga Owner"
    assert [e["kind"] for e in document["events"]] == ["assigned"]
    channels = [c["channel"]["name"] for c in document["conversations"]]
    assert channels == ["Vertrieb", "Recruiting"]
    assert document["conversations"][1]["channel"]["phone_number"] == "+49 30 1234567"


def test_messages_carry_status_error_reply_reactions_and_media(
    app, client, auth, seeded
):
    archive = export_as_owner(client, auth, seeded.anna_id)
    messages = {
        m["wamid"] or m["text"]: m
        for m in messages_of(json.loads(archive.read("contact.json")))
    }
    assert len(messages) == 8 and {m["direction"] for m in messages.values()} == {
        "in", "out",
    }  # fmt: skip
    reply = messages["wamid.a2"]
    assert reply["reply_to"] == "wamid.a1" and reply["status"] == "read"
    assert [s["status"] for s in reply["statuses"]] == ["sent", "delivered", "read"]
    assert reply["reactions"] == [
        {
            "by": "contact",
            "emoji": "👍",
            "timestamp": reply["reactions"][0]["timestamp"],
        }
    ]
    assert [r["emoji"] for r in messages["wamid.a1"]["reactions"]] == ["❤️"]
    assert messages["Nachfassen"]["error"] == {
        "code": 131047, "title": "Re-engagement message",
    }  # fmt: skip
    picture = messages["wamid.a3"]["media"]
    assert picture["sha256"] == hashlib.sha256(PICTURE).hexdigest()
    assert archive.read(picture["file"]) == PICTURE
    assert picture["file"].startswith("media/") and picture["file"].endswith(".png")
    assert messages["wamid.a4"]["media"]["file"] is None  # download failed
    missing = messages["wamid.a5"]["media"]
    assert missing["file"] is None and missing["file_note"] == "missing on disk"
    assert sorted(archive.namelist()) == sorted(
        ["README.txt", "contact.json", "messages.csv", picture["file"]]
    )


def test_nothing_about_anyone_else(app, client, auth, seeded):
    archive = export_as_owner(client, auth, seeded.anna_id)
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8", errors="replace")
        for word in FOREIGN:
            assert word not in text, f"{word!r} in {name}"


def test_messages_csv_parses_and_is_defused(app, client, auth, seeded):
    archive = export_as_owner(client, auth, seeded.anna_id)
    text = archive.read("messages.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == 8
    assert rows[1]["text"] == "'=Gern! Wann passt es?"  # no formula in Excel
    assert rows[1]["reply_to"] == "wamid.a1" and rows[2]["error_code"] == "131047"
    assert rows[3]["media_file"].startswith("media/")


def test_the_export_is_audited_without_content(app, client, auth, seeded):
    export_as_owner(client, auth, seeded.anna_id)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.object_type, event.object_id) == (
            "contact.exported", "contact", seeded.anna_id,
        )  # fmt: skip
        assert event.workspace_id == seeded.workspace_id
        assert event.actor.email == OWNER
        assert event.details == {"via": "web", "consents": 2, "messages": 8, "files": 1}


def test_owners_see_the_button_agents_get_403(app, client, auth, seeded):
    auth.login(OWNER)
    assert 'id="contact-export"' in client.get(f"/contacts/{seeded.anna_id}").text
    auth.logout()
    auth.login(AGENT)
    assert 'id="contact-export"' not in client.get(f"/contacts/{seeded.anna_id}").text
    assert client.post(f"/contacts/{seeded.anna_id}/export").status_code == 403


def test_another_workspace_gets_404(app, client, auth, seeded):
    auth.login("other@example.com")
    assert_cross_workspace_404(client, [("POST", f"/contacts/{seeded.anna_id}/export")])
    assert client.post(f"/contacts/{seeded.carla_id}/export").status_code == 200


def test_the_query_count_does_not_grow_with_the_messages(app):
    team = make_team(app)
    counts = []
    for n, wa_id in ((10, "4915100000010"), (200, "4915100000200")):
        with app.app_context():
            contact = Contact(workspace_id=team.workspace_id, wa_id=wa_id)
            db.session.add(contact)
            db.session.flush()
            thread = conversation_with(contact, team.channel_id)
            for i in range(n):
                direction = "out" if i % 2 else "in"
                thread.add(direction=direction, wamid=f"wamid.{wa_id}.{i}", text="x")
            db.session.commit()
            contact_id = contact.id
        with counted_queries(app) as statements, app.app_context():
            document = contact_document(db.session.get(Contact, contact_id))
            assert len(messages_of(document)) == n
        counts.append(len(statements))
    assert counts[0] == counts[1]


def cli_export(runner, workspace_id: int, *selector: str):
    return runner.invoke(
        args=["contact", "export", "--workspace", str(workspace_id), *selector]
    )


@pytest.mark.parametrize(
    "selector",
    [("--wa-id", "+49 170 1234567"), ("--bsuid", BSUID), ("--contact", "ANNA")],
)
def test_the_cli_prints_contact_json(app, runner, seeded, selector):
    selector = [seeded.anna_id if value == "ANNA" else value for value in selector]
    result = cli_export(runner, seeded.workspace_id, *map(str, selector))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["contact"]["id"] == seeded.anna_id
    assert len(messages_of(document)) == 8
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert event.actor_id is None and event.details["via"] == "cli"


def test_the_cli_writes_a_zip_or_json_file(app, runner, seeded, tmp_path):
    anna = str(seeded.anna_id)
    target = tmp_path / "anna.zip"
    result = cli_export(runner, seeded.workspace_id, "--contact", anna, "--out", target)
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(target)
    assert {"contact.json", "messages.csv", "README.txt"} <= set(archive.namelist())
    assert PICTURE in [archive.read(name) for name in archive.namelist()]
    target = tmp_path / "anna.json"
    cli_export(runner, seeded.workspace_id, "--contact", anna, "--out", target)
    assert json.loads(target.read_text())["contact"]["name"] == "Anna Beispiel"


def test_the_cli_refuses_unknown_and_foreign_contacts(runner, seeded):
    for workspace_id, selector in (
        (seeded.workspace_id, ("--contact", "999999")),
        (seeded.workspace_id, ("--contact", str(seeded.carla_id))),
        (seeded.other_workspace_id, ("--contact", str(seeded.anna_id))),
        (seeded.workspace_id, ("--bsuid", "DE.unknown")),
        (999999, ("--wa-id", WA_ID)),
    ):
        result = cli_export(runner, workspace_id, *selector)
        assert result.exit_code == 1 and "No " in result.output
    result = cli_export(runner, seeded.workspace_id, "--wa-id", WA_ID, "--bsuid", BSUID)
    assert result.exit_code == 2 and "exactly one" in result.output


def test_my_data_has_my_messages_and_access_log_only(app, client, auth, seeded):
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == AGENT))
        conversation = db.session.scalar(
            select(Conversation).where(Conversation.contact_id == seeded.anna_id)
        )
        Thread(conversation).add(direction="out", text="Von Arne", author_id=agent.id)
        db.session.commit()
    auth.login(OWNER)
    assert 'id="account-export"' in client.get("/account").text
    response = client.post("/account/export")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    archive = unzip(response.data)
    assert "README.txt" in archive.namelist()
    document = json.loads(archive.read("account.json"))
    assert document["profile"]["email"] == OWNER
    assert document["memberships"][0]["role"] == "owner"
    texts = [m["text"] for m in document["messages"]]
    assert "=Gern! Wann passt es?" in texts and "Rückruf Dienstag" in texts
    assert "Von Arne" not in texts and "Hallo, ich habe Interesse" not in texts
    assert "login_success" in [entry["event"] for entry in document["access_log"]]
    recorded = document["consent_records"]
    assert [(r["contact_id"], r["action"]) for r in recorded] == [
        (seeded.anna_id, "opt_out")
    ]
    assert "Per Telefon" not in archive.read("account.json").decode()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.workspace_id) == ("account.exported", None)
        assert event.actor.email == OWNER and event.object_type == "user"


def test_my_data_needs_a_login(client):
    response = client.post("/account/export")
    assert response.status_code == 302


def test_a_contact_without_conversations_exports(app):
    team = make_team(app)
    with app.app_context():
        contact = Contact(workspace_id=team.workspace_id, phone_e164="+491511234567")
        db.session.add(contact)
        db.session.commit()
        document = contact_document(contact)
    assert document["conversations"] == [] and document["consents"] == []
    assert document["contact"]["phone_e164"] == "+491511234567"
