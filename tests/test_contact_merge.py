"""Duplicates are found by number, BSUID and username, and merged without losing anything."""

import json

from sqlalchemy import func, select

from leadgate.consent import ledger
from leadgate.contacts.merge import duplicates_of
from leadgate.extensions import db
from leadgate.models import (
    ConsentRecord,
    Contact,
    ContactLabel,
    Conversation,
    Label,
    Message,
    Reaction,
    utcnow,
)

from .inbox_support import (
    OWNER,
    add_label,
    make_team,
    owner_with_payload_channel,
    post_signed,
)
from .webhook_fixtures import load_payload


def contact_tables():
    """Every table with a column pointing at contact.id: nothing may be left behind."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "contact"
    ]


def two_of_one_person(app, team) -> tuple[int, int]:
    """An imported contact with the number, and the same person writing by username."""
    vip, hot = add_label(app, team, "VIP"), add_label(app, team, "Heiß")
    with app.app_context():
        imported = Contact(
            workspace_id=team.workspace_id,
            wa_id="491701234567",
            phone_e164="+491701234567",
            name="Lena Berg",
            attributes={"branche": "Handel", "stelle": "Einkauf"},
        )
        writing = Contact(
            workspace_id=team.workspace_id,
            bsuid="DE.555",
            username="lena",
            profile_name="Lena",
            phone_e164="+491701234567",
            attributes={"branche": "Handwerk"},
            opted_out_at=utcnow(),
        )
        db.session.add_all([imported, writing])
        db.session.flush()
        conversation = Conversation(
            workspace_id=team.workspace_id,
            channel_id=team.channel_id,
            contact_id=writing.id,
        )
        db.session.add(conversation)
        db.session.flush()
        db.session.add(
            Message.of(
                conversation,
                direction="in",
                wamid="wamid.lena",
                type="text",
                text="Hallo",
                sent_at=utcnow(),
            )
        )
        for contact, emoji in ((imported, "👍"), (writing, "❤️")):
            db.session.add(
                Reaction(
                    channel_id=team.channel_id,
                    contact_id=contact.id,
                    target_wamid="wamid.out",
                    emoji=emoji,
                    reacted_at=utcnow(),
                )
            )
        db.session.add_all(
            [
                ContactLabel(contact_id=imported.id, label_id=vip),
                ContactLabel(contact_id=writing.id, label_id=vip),
                ContactLabel(contact_id=writing.id, label_id=hot),
            ]
        )
        ledger.record(imported, ledger.MARKETING, "opt_in", "import", wording="Ja")
        ledger.record(writing, ledger.MARKETING, "opt_out", "keyword", wording="STOP")
        db.session.commit()
        return imported.id, writing.id


def test_duplicates_are_offered_and_merged_with_everything_moved(app, client, auth):
    team = make_team(app)
    auth.login(OWNER)
    kept_id, other_id = two_of_one_person(app, team)
    page = client.get(f"/contacts/{kept_id}").get_data(as_text=True)
    assert 'id="duplicates"' in page and f"/merge/{other_id}" in page
    response = client.post(f"/contacts/{kept_id}/merge/{other_id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Contact, other_id) is None
        for table, column in contact_tables():
            left = db.session.scalar(
                select(func.count()).select_from(table).where(column == other_id)
            )
            assert left == 0, f"{table.name}.{column.name} still points at it"
        kept = db.session.get(Contact, kept_id)
        assert (kept.wa_id, kept.bsuid, kept.username, kept.name) == (
            "491701234567",
            "DE.555",
            "lena",
            "Lena Berg",
        )
        assert kept.attributes == {"branche": "Handel", "stelle": "Einkauf"}
        assert kept.opted_out_at is not None  # an objection survives the merge
        assert kept.marketing_consent == "opt_out"  # the latest record holds
        assert [r.action for r in ledger.history(kept_id)] == ["opt_out", "opt_in"]
        assert db.session.scalar(select(Conversation.contact_id)) == kept_id
        assert db.session.scalar(select(Message.contact_id)) == kept_id
        assert db.session.scalars(select(Reaction.emoji)).all() == ["👍"]
        labels = db.session.scalars(
            select(Label.name)
            .join(ContactLabel, ContactLabel.label_id == Label.id)
            .where(ContactLabel.contact_id == kept_id)
            .order_by(Label.name)
        ).all()
        assert labels == ["Heiß", "VIP"]
        assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) == 2


def test_a_contact_cannot_be_merged_with_itself_or_a_foreign_one(app, client, auth):
    team = make_team(app)
    auth.login(OWNER)
    kept_id, _ = two_of_one_person(app, team)
    assert client.post(f"/contacts/{kept_id}/merge/{kept_id}").status_code == 400
    assert client.post(f"/contacts/{kept_id}/merge/99999").status_code == 404


def test_a_webhook_for_a_number_another_contact_holds_keeps_both(app, client):
    """The BSUID contact learns the number; the imported one keeps it; no failure."""
    key = owner_with_payload_channel(app)
    payload = load_payload("text")
    value = payload["entry"][0]["changes"][0]["value"]
    wa_id = value["contacts"][0]["wa_id"]
    with app.app_context():
        workspace_id = db.session.scalar(select(Contact.workspace_id)) or 1
        db.session.add_all(
            [
                Contact(workspace_id=workspace_id, wa_id=wa_id, name="Importiert"),
                Contact(workspace_id=workspace_id, bsuid="DE.777", username="kim"),
            ]
        )
        db.session.commit()
    value["contacts"][0]["user_id"] = "DE.777"
    value["messages"][0]["from_user_id"] = "DE.777"
    post_signed(client, key, json.dumps(payload).encode())
    with app.app_context():
        writing = db.session.scalars(
            select(Contact).where(Contact.bsuid == "DE.777")
        ).one()
        assert writing.wa_id is None and writing.phone_e164 == f"+{wa_id}"
        assert db.session.scalar(select(Message.contact_id)) == writing.id
        assert [c.name for c in duplicates_of(writing)] == ["Importiert"]


def test_a_merge_gives_the_others_report_facts_to_the_kept_contact(app, client, auth):
    """Counting contacts and a later erasure of the kept contact find them all."""
    from leadgate.models import ReportConversation, utcnow
    from leadgate.reports.pseudonyms import Pseudonyms

    team = make_team(app)
    auth.login(OWNER)
    kept_id, other_id = two_of_one_person(app, team)
    with app.app_context():
        workspace_id = db.session.get(Contact, kept_id).workspace_id
        names = Pseudonyms()
        for contact_id in (kept_id, other_id):
            db.session.add(
                ReportConversation(
                    workspace_id=workspace_id,
                    contact_key=names.of(workspace_id, "contact", contact_id),
                    opened_at=utcnow(),
                    reopened=False,
                    new_contact=True,
                )
            )
        db.session.commit()
        kept_key = names.of(workspace_id, "contact", kept_id)
    assert client.post(f"/contacts/{kept_id}/merge/{other_id}").status_code == 303
    with app.app_context():
        keys = db.session.scalars(select(ReportConversation.contact_key)).all()
    assert keys == [kept_key, kept_key]
    assert client.post(f"/contacts/{kept_id}/erase", data={"confirm": "LÖSCHEN"})
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(ReportConversation)) == 0
        )
