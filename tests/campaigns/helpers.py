"""Steps of the campaign tests: contacts with consent, the wizard, the feed."""

import re

from sqlalchemy import select

from leadgate.campaigns.feed import feed_campaign
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import (
    Campaign,
    CampaignRecipient,
    Channel,
    Contact,
    ContactLabel,
    Label,
    MessageTemplate,
)

from ..outbound import helpers as outbound_helpers
from ..outbound.helpers import read, run

REASON = re.compile(r"<li><span>([^<]+)</span> <strong>(\d+)</strong></li>")
REACH = re.compile(r"<strong>(\d+) Kontakte? erh\w+ diese Nachricht</strong>")


def people(
    app, specs: list[dict], label: str = "Messe", label_id: int | None = None
) -> int:
    """Contacts with the label (a new one, or label_id's); spec keys: name, number,
    consent (opt_in/opt_out/None), and Contact columns. Returns the label's id."""
    with app.app_context():
        channel = db.session.scalars(select(Channel)).first()
        tag = db.session.get(Label, label_id) if label_id else None
        if tag is None:
            tag = Label(workspace_id=channel.workspace_id, name=label)
            db.session.add(tag)
            db.session.flush()
        for spec in specs:
            spec = dict(spec)
            number = spec.pop("number", None)
            consent = spec.pop("consent", "opt_in")
            contact = Contact(
                workspace_id=channel.workspace_id,
                wa_id=number.removeprefix("+") if number else None,
                phone_e164=number,
                attributes=spec.pop("attributes", {}),
                **spec,
            )
            db.session.add(contact)
            db.session.flush()
            db.session.add(ContactLabel(contact_id=contact.id, label_id=tag.id))
            if consent:
                ledger.record(
                    contact,
                    ledger.MARKETING,
                    consent,
                    "import",
                    wording="Ja, gerne per WhatsApp",
                )
        db.session.commit()
        return tag.id


def template_id(name: str) -> int:
    return read(select(MessageTemplate.id).where(MessageTemplate.name == name))[0]


def create(
    client, label_id: int, template: str, name: str = "Frühjahrsangebot", **mapping
) -> int:
    """Walk the wizard to the review; returns the campaign id."""
    outbound_helpers.sync(client)
    [channel_id] = read(select(Channel.id))
    answer = client.post("/campaigns/new", data={"name": name, "channel": channel_id})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    campaign_id = int(answer.headers["Location"].split("/")[2])
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/audience",
        data={"audience": f"label:{label_id}"},
    )
    assert answer.status_code == 303
    fields = {"template": template_id(template), "lawful_basis": "contract", **mapping}
    answer = client.post(f"/campaigns/{campaign_id}/edit/template", data=fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    answer = client.post(
        f"/campaigns/{campaign_id}/edit/schedule", data={"when": "now"}
    )
    assert answer.status_code == 303
    return campaign_id


def reviewed(client, campaign_id: int):
    """(reached, {reason: count}, page) of the wizard's review."""
    page = client.get(f"/campaigns/{campaign_id}/edit/review")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    reach = REACH.search(html)
    return (
        int(reach.group(1)) if reach else None,
        {reason: int(n) for reason, n in REASON.findall(html)},
        html,
    )


def launch(client, campaign_id: int):
    return client.post(f"/campaigns/{campaign_id}/launch")


def feed(campaign_id: int) -> dict:
    return run(feed_campaign, campaign_id)


def campaign(campaign_id: int) -> Campaign:
    return read(select(Campaign).where(Campaign.id == campaign_id))[0]


def recipients(campaign_id: int) -> list[CampaignRecipient]:
    return read(
        select(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id)
        .order_by(CampaignRecipient.id)
    )
