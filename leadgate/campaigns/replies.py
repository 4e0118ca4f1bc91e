"""A recipient who writes back after a campaign message has replied to that campaign.

The drain collects the contacts who wrote in a batch and marks, in one
statement, their recipient rows of campaigns on that number whose message went
out within REPLY_WINDOW and that have no reply yet: the first message counts,
later ones do not. Each reply also gets a timeline event in the conversation
("Antwort auf die Kampagne …"), and the inbox can list them by campaign.
"""

from datetime import timedelta

from sqlalchemy import select, update

from ..dbutil import one_of
from ..extensions import db
from ..inbox.team import record_event
from ..models import Campaign, CampaignRecipient, Conversation, utcnow

# Meta counts a reply within its 24-hour window; people answer a campaign for
# days, and a later first message is still the answer to it.
REPLY_WINDOW = timedelta(days=7)


class CampaignReplies:
    """Contacts who wrote in one drain batch, by number."""

    def __init__(self) -> None:
        self.by_channel: dict[int, dict[int, Conversation]] = {}

    def add(self, channel_id: int, contact_id: int, conversation: Conversation) -> None:
        self.by_channel.setdefault(channel_id, {}).setdefault(contact_id, conversation)

    def record(self) -> None:
        now = utcnow()
        for channel_id, contacts in self.by_channel.items():
            campaigns = select(Campaign.id).where(Campaign.channel_id == channel_id)
            replied = db.session.execute(
                update(CampaignRecipient)
                .where(
                    one_of(CampaignRecipient.contact_id, list(contacts)),
                    CampaignRecipient.campaign_id.in_(campaigns),
                    CampaignRecipient.state == "queued",
                    CampaignRecipient.replied_at.is_(None),
                    CampaignRecipient.queued_at > now - REPLY_WINDOW,
                )
                .values(replied_at=now)
                .returning(CampaignRecipient.campaign_id, CampaignRecipient.contact_id)
                .execution_options(synchronize_session=False)
            ).all()
            if replied:
                names = dict(
                    db.session.execute(
                        select(Campaign.id, Campaign.name).where(
                            one_of(Campaign.id, {row.campaign_id for row in replied})
                        )
                    ).all()
                )
                for row in replied:
                    record_event(
                        contacts[row.contact_id],
                        None,
                        "campaign_reply",
                        campaign=names[row.campaign_id],
                        campaign_id=row.campaign_id,
                    )
        self.by_channel = {}
