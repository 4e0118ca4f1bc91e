"""Campaign rows under the data-subject rights: export, erasure and the retention purge."""

from datetime import timedelta

from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import AuditEvent, Campaign, CampaignRecipient, Contact, utcnow
from leadgate.privacy.erasure import erase_contact
from leadgate.privacy.export.contact import contact_document
from leadgate.privacy.retention.purge import purge

from ..outbound.helpers import change, read
from ..outbound.meta_changes import OFFER
from .helpers import create, launch, people, recipients

TWO = [
    {"name": "Anna", "number": "+491701000001"},
    {"name": "Carla", "number": "+491701000003", "consent": None},
]


def campaign_for_two(client, app) -> int:
    label = people(app, TWO)
    campaign_id = create(client, label, OFFER, **{"src-BODY:1": "first_name"})
    launch(client, campaign_id)
    return campaign_id


def contact_named(name: str) -> int:
    return read(select(Contact.id).where(Contact.name == name))[0]


def test_the_contact_export_lists_the_campaigns_meant_for_the_person(
    client, app, emulator, channel_key
):
    campaign_for_two(client, app)
    with app.app_context():
        anna = db.session.get(Contact, contact_named("Anna"))
        carla = db.session.get(Contact, contact_named("Carla"))
        [sent] = contact_document(anna)["campaigns"]
        [left_out] = contact_document(carla)["campaigns"]
    assert sent["campaign"] == "Frühjahrsangebot"
    assert (sent["state"], sent["lawful_basis"], sent["message_status"]) == (
        "queued",
        "consent",
        "sent",
    )
    assert sent["consent_record_id"] and sent["message_wamid"].startswith("wamid.")
    assert (left_out["state"], left_out["reason"], left_out["message_wamid"]) == (
        "left_out",
        "no_marketing_consent",
        None,
    )


def test_erasing_a_recipient_removes_their_campaign_rows(
    client, app, emulator, channel_key
):
    campaign_id = campaign_for_two(client, app)
    anna_id = contact_named("Anna")
    with app.app_context():
        erase_contact(db.session.get(Contact, anna_id))
        db.session.commit()
    assert [r.contact_id for r in recipients(campaign_id)] == [contact_named("Carla")]
    [erased] = read(select(AuditEvent).where(AuditEvent.action == "contact.erased"))
    assert erased.details["campaigns"] == 1
    evidence = client.get(f"/campaigns/{campaign_id}/evidence.csv").get_data(
        as_text=True
    )
    assert "+491701000001" not in evidence and "+491701000003" in evidence


def test_the_purge_takes_the_recipient_rows_of_campaigns_ended_before_the_period(
    client, app, emulator, channel_key
):
    campaign_id = campaign_for_two(client, app)
    long_ago = utcnow() - timedelta(days=3 * 365)
    change(Campaign, finished_at=long_ago)
    with app.app_context():
        report = purge()
        db.session.commit()
    [counts] = report["workspaces"].values()
    assert counts["campaign_recipients"] == 2
    assert read(select(CampaignRecipient)) == []
    assert read(select(Campaign.id)) == [campaign_id]  # the campaign stays
