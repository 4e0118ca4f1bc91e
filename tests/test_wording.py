"""Stored codes read as words: Meta's enums, states, and the timeline's events."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from leadgate import wording
from leadgate.extensions import db
from leadgate.inbox.team import record_event
from leadgate.models import (
    Channel,
    Conversation,
    Membership,
    Message,
    MessageTemplate,
    User,
)

from .inbox_support import AGENT, OWNER, add_conversations, make_team


def thread(client, conversation_id: int) -> str:
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    start = page.index('id="thread"')
    return page[start : page.index("</section>", start)]


def test_assignment_events_name_the_member_as_they_are_now(app, client, auth):
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    auth.login(OWNER)
    client.post(f"/inbox/{cid}/assign", data={"assignee": "me"})
    client.post(f"/inbox/{cid}/assign", data={"assignee": str(team.agent_id)})
    with app.app_context():
        details = db.session.scalars(
            select(Message.details)
            .where(Message.direction == "event")
            .order_by(Message.id)
        ).all()
        assert [d.get("to_id") for d in details] == [team.owner_id, team.agent_id]
        assert not any("to" in d for d in details)  # no name kept in the event
        db.session.get(User, team.agent_id).name = "Arne Neuname"
        db.session.commit()
    page = thread(client, cid)
    assert "Olga Owner hat sich das Gespräch zugewiesen" in page
    assert "Olga Owner hat das Gespräch Arne Neuname zugewiesen" in page
    assert "Arne Agent" not in page
    with app.app_context():
        db.session.delete(
            db.session.scalar(
                select(Membership).where(Membership.user_id == team.agent_id)
            )
        )
        db.session.commit()
    page = thread(client, cid)
    assert (
        "Olga Owner hat das Gespräch einem ehemaligen Teammitglied zugewiesen" in page
    )
    assert "Arne Neuname" not in page


def test_events_written_before_keep_reading_well(app, client, auth):
    """Older assignment events stored the name (or None once the account went)."""
    team = make_team(app)
    [cid] = add_conversations(app, team, 1)
    with app.app_context():
        conversation = db.session.get(Conversation, cid)
        owner = db.session.get(User, team.owner_id)
        for to in ("Olga Owner", "Arne Agent", None):
            record_event(conversation, owner, "assigned", to=to)
        record_event(conversation, owner, "some_future_kind")
        db.session.commit()
    auth.login(AGENT)
    page = thread(client, cid)
    assert "Olga Owner hat sich das Gespräch zugewiesen" in page
    assert "Olga Owner hat das Gespräch Arne Agent zugewiesen" in page
    assert (
        "Olga Owner hat das Gespräch einem ehemaligen Teammitglied zugewiesen" in page
    )
    assert "Olga Owner hat das Gespräch geändert" in page
    assert "some_future_kind" not in page


def test_the_channel_page_tells_the_quality_in_words(app, client, auth):
    team = make_team(app)
    with app.app_context():
        channel = db.session.get(Channel, team.channel_id)
        channel.quality_rating, channel.verified_name = "YELLOW", "Muster GmbH"
        db.session.commit()
    auth.login(OWNER)
    page = client.get(f"/settings/channels/{team.channel_id}").get_data(as_text=True)
    assert "<dt>Qualität</dt><dd>mittel</dd>" in page and "YELLOW" not in page


def add_template(app, team, name, status, category, **fields) -> None:
    with app.app_context():
        db.session.add(
            MessageTemplate(
                workspace_id=team.workspace_id,
                waba_id="3000000002",
                meta_template_id=name,
                name=name,
                language=fields.pop("language", "de"),
                category=category,
                status=status,
                **fields,
            )
        )
        db.session.commit()


def test_the_templates_page_reads_as_words(app, client, auth):
    team = make_team(app)
    add_template(app, team, "termin_erinnerung", "APPROVED", "UTILITY")
    add_template(
        app,
        team,
        "winter_angebot",
        "REJECTED",
        "MARKETING",
        language="en_US",
        reason="INCORRECT_CATEGORY",
    )
    add_template(app, team, "login_code", "IN_APPEAL", "AUTHENTICATION")
    auth.login(OWNER)
    page = client.get("/settings/channels/templates").get_data(as_text=True)
    for shown in (
        "Termin erinnerung",
        "Service-Mitteilung",
        "freigegeben",
        "Winter angebot",
        "Englisch (Vereinigte Staaten)",
        "abgelehnt</span> – falsche Kategorie",
        "Anmeldecode",
        "Einspruch läuft",
    ):
        assert shown in page, shown
    for code in ("UTILITY", "APPROVED", "INCORRECT_CATEGORY", "en_US", "IN_APPEAL"):
        assert code not in page, code


@pytest.mark.parametrize(
    ("table", "value", "de", "en"),
    [
        (wording.QUALITY, "GREEN", "gut", "high"),
        (wording.QUALITY, "RED", "niedrig", "low"),
        (wording.TEMPLATE_CATEGORY, "MARKETING", "Marketing", "Marketing"),
        (wording.TEMPLATE_STATUS, "PAUSED", "pausiert", "paused"),
        (wording.CONSENT_ACTION, "opt_in", "Einwilligung", "Consent"),
        (wording.MESSAGE_STATUS, "delivered", "zugestellt", "delivered"),
        (wording.CONVERSATION_STATE, "snoozed", "Zurückgestellt", "Snoozed"),
        (wording.TEMPLATE_STATUS, "SOME_NEW_STATUS", "some new status", None),
        (wording.QUALITY, None, "", ""),
    ],
)
def test_one_table_per_kind_in_both_languages(app, table, value, de, en):
    with app.test_request_context():
        with force_locale("de"):
            assert wording.label(table, value) == de
        with force_locale("en"):
            assert wording.label(table, value) == (en if en is not None else de)
