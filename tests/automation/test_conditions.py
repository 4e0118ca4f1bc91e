"""Each condition ("falls"), table-driven: a rule on "message received" with one
condition fires or not for the contact's message."""

import pytest
from sqlalchemy import select

from leadgate.automation.conditions import text_contains, text_equals, words_of
from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    BusinessHours,
    Campaign,
    CampaignRecipient,
    Contact,
    Conversation,
    ConversationLabel,
    Workspace,
    utcnow,
)

from .support import add_rule, firings, label, writes


def contact_of(world) -> Contact:
    return db.session.scalar(
        select(Contact).where(Contact.workspace_id == world.workspace_id)
    )


def with_label(name):
    def setup(world):
        conversation = db.session.scalar(select(Conversation))
        db.session.add(
            ConversationLabel(
                conversation_id=conversation.id, label_id=world.labels[name]
            )
        )
        return {"kind": "label", "label_id": world.labels["dringend"]}

    return setup


def field(value, stored="Bau"):
    def setup(world):
        contact_of(world).attributes = {"branche": stored}
        return {"kind": "field", "field_key": "branche", "value": value}

    return setup


def hours(choice, closed=True):
    def setup(world):
        if closed:
            db.session.add(
                BusinessHours(
                    workspace_id=world.workspace_id,
                    channel_id=world.channel_id,
                    week={str(day): [] for day in range(7)},
                )
            )
        return {"kind": "hours", "choice": choice}

    return setup


def consent(choice, given):
    def setup(world):
        contact_of(world).marketing_consent = "opt_in" if given else None
        return {"kind": "consent", "choice": choice}

    return setup


def campaign(choice, sent):
    def setup(world):
        if sent:
            campaign = Campaign(
                workspace_id=world.workspace_id,
                name="Frühling",
                state="finished",
                channel_id=world.channel_id,
                audience={},
            )
            db.session.add(campaign)
            db.session.flush()
            db.session.add(
                CampaignRecipient(
                    campaign_id=campaign.id,
                    workspace_id=world.workspace_id,
                    contact_id=contact_of(world).id,
                    position=1,
                    state="queued",
                    lawful_basis="consent",
                    queued_at=utcnow(),
                )
            )
        return {"kind": "campaign_reply", "choice": choice}

    return setup


def other_channel(world):
    workspace = db.session.get(Workspace, world.workspace_id)
    channel = create_channel(
        workspace,
        name="Zweite",
        phone_number_id="5550001",
        waba_id="5550002",
        access_token="t",
        app_secret="s",
    )
    db.session.flush()
    return {"kind": "channel", "channel_id": channel.id}


def const(condition):
    return lambda world: condition


# (condition or setup returning it, the contact's text, fires?)
CASES = {
    "contains, any case and punctuation": (
        const({"kind": "text_contains", "words": "Bewerbung"}),
        "Hier meine BEWERBUNG!",
        True,
    ),
    "contains, whole words only": (
        const({"kind": "text_contains", "words": "Bewerbung"}),
        "Bewerbungen anbei",
        False,
    ),
    "contains, one phrase of several": (
        const({"kind": "text_contains", "words": "Job, neue Stelle"}),
        "Ich suche eine neue   Stelle.",
        True,
    ),
    "contains, a phrase's words in order": (
        const({"kind": "text_contains", "words": "neue Stelle"}),
        "Stelle neue",
        False,
    ),
    "contains, umlauts and ß": (
        const({"kind": "text_contains", "words": "STRASSE"}),
        "In welcher Straße?",
        True,
    ),
    "equals": (const({"kind": "text_equals", "words": "ja"}), "Ja!", True),
    "equals, nothing else": (
        const({"kind": "text_equals", "words": "ja"}),
        "ja bitte",
        False,
    ),
    "number": (lambda w: {"kind": "channel", "channel_id": w.channel_id}, "x", True),
    "another number": (other_channel, "x", False),
    "team": (lambda w: {"kind": "team", "team_id": w.sales_id}, "x", True),
    "another team": (
        lambda w: {"kind": "team", "team_id": w.recruiting_id},
        "x",
        False,
    ),
    "label": (with_label("dringend"), "x", True),
    "label not set": (with_label("Bewerbung"), "x", False),
    "custom field, any case": (field("bau"), "x", True),
    "custom field, another value": (field("Handel"), "x", False),
    "outside business hours": (hours("outside"), "x", True),
    "inside business hours, closed": (hours("inside"), "x", False),
    "inside business hours, no hours: always open": (hours("inside", False), "x", True),
    "marketing consent yes": (consent("yes", True), "x", True),
    "marketing consent yes, none given": (consent("yes", False), "x", False),
    "marketing consent no": (consent("no", False), "x", True),
    "campaign reply": (campaign("yes", True), "x", True),
    "campaign reply, no campaign": (campaign("yes", False), "x", False),
    "not a campaign reply": (campaign("no", False), "x", True),
    "first contact, not the first message": (
        const({"kind": "first_contact", "choice": "yes"}),
        "x",
        False,
    ),
    "not the first contact": (
        const({"kind": "first_contact", "choice": "no"}),
        "x",
        True,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_condition(app, client, world, case):
    make_condition, text, fires = CASES[case]
    writes(client, world, "Guten Tag")  # the conversation and the contact exist
    with app.app_context():
        condition = make_condition(world)
        db.session.commit()
    rule = add_rule(app, world, "message_received", [label(world)], [condition])
    writes(client, world, text)
    assert bool(firings(app, rule)) is fires


@pytest.mark.parametrize("choice, fires", [("yes", True), ("no", False)])
def test_first_contact_is_the_conversations_first_message(
    app, client, world, choice, fires
):
    rule = add_rule(
        app,
        world,
        "message_received",
        [label(world)],
        [{"kind": "first_contact", "choice": choice}],
    )
    writes(client, world, "Hallo")
    assert bool(firings(app, rule)) is fires


def test_first_contact_is_decided_by_the_drain_when_the_rules_run_late(
    app, client, world, monkeypatch
):
    """The worker lags behind the drains: both messages are stored before any
    rule runs. The first one's rules still see a first contact; the second's not."""
    from leadgate.webhooks.ingest import process_batch

    from ..ops_support import run_worker

    rule = add_rule(
        app,
        world,
        "message_received",
        [label(world)],
        [{"kind": "first_contact", "choice": "yes"}],
    )
    monkeypatch.setitem(app.config, "QUEUE_IS_ASYNC", True)  # jobs wait in Redis
    for text in ("Hallo", "Noch da?"):
        writes(client, world, text)
        with app.app_context():
            assert process_batch() == 1  # stored; its rules job waits
    assert firings(app, rule) == []
    run_worker(app)
    [fired] = firings(app, rule)
    assert fired.trigger == "message_received"


def test_all_conditions_must_hold(app, client, world):
    rule = add_rule(
        app,
        world,
        "message_received",
        [label(world)],
        [
            {"kind": "text_contains", "words": "Bewerbung"},
            {"kind": "team", "team_id": world.recruiting_id},
        ],
    )
    writes(client, world, "Meine Bewerbung")
    assert firings(app, rule) == []


def cut(texts: list[str]) -> list[str]:
    """As Facts.words gives texts to the conditions."""
    return [f" {words_of(text)} " for text in texts]


def contains(texts: list[str], words: str) -> bool:
    return text_contains(cut(texts), words)


def test_text_matching_is_linear_and_never_a_pattern():
    """Words a user types are words: regex syntax matches itself, nothing more."""
    assert contains(["aaaa"], "(a+)+") is False  # as a regex it would match
    assert contains(["Preis a+ heute"], "(a+)+") is True  # its word "a"
    assert contains(["Preis .* heute"], ".*") is False  # no words at all
    assert words_of("Ä-ß. Ünd") == "ä ss ünd"
    assert text_equals(cut(["  JA  "]), "nein, ja") is True
    long_text = "a " * 100_000 + "b"
    assert contains([long_text], "a a a a c, b") is True  # fast: linear
