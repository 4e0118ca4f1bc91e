"""Once through everything: a signed webhook from Meta's emulator, the drain, the
after_inbound job, the rule; its text goes out through the delivery to Meta."""

from sqlalchemy import select

from leadgate.automation import services
from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Conversation,
    ConversationLabel,
    Label,
    Message,
    RuleFiring,
    User,
)
from leadgate.teams import services as teams

from ..emulator_support import CUSTOMER
from ..outbound import helpers
from ..outbound.helpers import post_webhook, read, sent_at_emulator
from ..webhook_fixtures import meta_bytes


def application_rule() -> tuple[int, int, int]:
    """ "Bewerbung → Recruiting": team, label and a thank-you inside the window."""
    with helpers.APP.app_context():
        owner = db.session.scalar(select(User))
        channel = db.session.scalar(select(Channel))
        recruiting = teams.create_team(channel.workspace_id, "Recruiting", owner)
        label = Label(workspace_id=channel.workspace_id, name="Bewerbung")
        db.session.add(label)
        db.session.flush()
        rule = services.create_rule(
            channel.workspace_id,
            services.RuleSettings(
                "Bewerbung → Recruiting",
                "message_received",
                None,
                [{"kind": "text_contains", "words": "Bewerbung"}],
                [
                    {"kind": "assign_team", "team_id": recruiting.id},
                    {"kind": "add_label", "label_id": label.id},
                    {"kind": "send_text", "text": "Danke für Ihre Bewerbung!"},
                ],
                True,
            ),
            owner,
        )
        db.session.commit()
        return rule.id, recruiting.id, label.id


def test_a_signed_webhook_runs_the_rule_and_its_text_reaches_meta(
    client, emulator, channel_key
):
    rule_id, recruiting_id, label_id = application_rule()
    hello = emulator.inject(**{"from": CUSTOMER, "deliver": False, "text": "Hallo"})
    post_webhook(client, channel_key, meta_bytes(hello["webhook"]))
    assert read(select(RuleFiring.id)) == []  # no "Bewerbung": nothing
    applied = emulator.inject(
        **{"from": CUSTOMER, "deliver": False, "text": "Anbei meine Bewerbung."}
    )
    post_webhook(client, channel_key, meta_bytes(applied["webhook"]))

    [fired] = read(select(RuleFiring))
    assert (fired.rule_id, fired.trigger, fired.outcomes) == (
        rule_id,
        "message_received",
        [["assign_team", "done"], ["add_label", "done"], ["send_text", "done"]],
    )
    [conversation] = read(select(Conversation))
    assert conversation.team_id == recruiting_id
    assert read(select(ConversationLabel.label_id)) == [label_id]
    [sent] = sent_at_emulator(emulator)
    assert (sent["to"], sent["body"]["text"]["body"]) == (
        CUSTOMER,
        "Danke für Ihre Bewerbung!",
    )
    [reply] = read(select(Message).where(Message.direction == "out"))
    assert (reply.status, reply.wamid, reply.details) == (
        "sent",
        sent["id"],
        {"rule_id": rule_id},
    )
    thread = client.get(f"/inbox/{conversation.id}").get_data(as_text=True)
    assert "Automation „Bewerbung → Recruiting“ ausgeführt" in thread
