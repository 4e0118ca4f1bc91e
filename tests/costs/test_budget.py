"""The monthly budget: its form, the campaign review's warning, the 80 %/100 % mails."""

from datetime import timedelta

from sqlalchemy import select

from leadgate.costs.notices import notify_budget_levels
from leadgate.extensions import db
from leadgate.models import (
    AuditEvent,
    Role,
    WhatsAppBudget,
    WhatsAppBudgetNotice,
    Workspace,
    utcnow,
)

from ..campaigns.helpers import create, people, reviewed
from ..outbound.helpers import read, run
from ..support import make_user
from .helpers import only_rates, post_statuses, status

ANNA = "4915112345601"
WARNING = (
    "Mit dieser Kampagne würden die geschätzten Kosten dieses Monats das Budget "
    "von 0,20 € überschreiten."
)


def set_budget(client, amount: str):
    return client.post("/settings/whatsapp-costs", data={"monthly_eur": amount})


def spend(client, key: str, *wamids: str) -> None:
    """German marketing messages sent this month (0.1131 € each)."""
    post_statuses(
        client,
        key,
        *(status(w, "sent", ANNA, "marketing", at=utcnow()) for w in wamids),
    )


def test_the_budget_is_saved_with_an_audit_record(app, client, channel_key):
    assert set_budget(client, "0").status_code == 422
    assert set_budget(client, "250,00").status_code == 422  # a point, not a comma
    assert set_budget(client, "250.00").status_code == 303
    assert set_budget(client, "").status_code == 303  # no budget again
    assert read(select(WhatsAppBudget.monthly_eur)) == [None]
    events = read(select(AuditEvent.details).order_by(AuditEvent.id))
    assert events == [{"budget": "250.00"}, {"budget": ""}]


def test_the_campaign_review_shows_the_cost_and_warns_over_budget(
    app, client, emulator, channel_key
):
    only_rates(app, ("marketing", "DE", "0.1131"))
    spend(client, channel_key, "wamid.earlier")
    label = people(
        app,
        [
            {"name": "Anna", "number": "+491701000001"},
            {"name": "Bernd", "number": "+491701000002"},
            {"name": "Lukas", "number": "+436641234567"},
        ],
    )
    campaign_id = create(client, label, "angebot_nachfassen")
    set_budget(client, "10.00")
    html = reviewed(client, campaign_id)[2].replace("\xa0", " ")
    assert "etwa 0,23 € für 3 kostenpflichtige Nachrichten" in html
    assert "(1 Nachricht ohne Tarif)" in html
    assert "Bisher in diesem Monat: 0,11 € von 10,00 € Budget." in html
    assert 'id="budget-warning"' not in html
    set_budget(client, "0.20")
    html = reviewed(client, campaign_id)[2].replace("\xa0", " ")
    assert WARNING in html


def owners_mails(outbox) -> list[tuple[str, str]]:
    return [(mail["To"], mail["Subject"]) for mail in outbox]


def test_owners_are_mailed_at_80_and_100_percent_once_per_month(
    app, client, channel_key, outbox
):
    only_rates(app, ("marketing", "DE", "0.1131"))
    with app.app_context():
        workspace = db.session.scalars(select(Workspace)).one()
        make_user("admin@example.com", workspace=workspace, role=Role.ADMIN)
        db.session.commit()
    set_budget(client, "0.20")
    spend(client, channel_key, "wamid.1")  # 0.1131 €: 56 %
    assert run(notify_budget_levels) == 0
    spend(client, channel_key, "wamid.2")  # 0.2262 €: 113 %
    assert run(notify_budget_levels) == 2
    assert run(notify_budget_levels) == 0  # told already this month
    assert sorted(owners_mails(outbox)) == [
        ("owner@example.com", "WhatsApp-Kosten: 100 % des Budgets erreicht"),
        ("owner@example.com", "WhatsApp-Kosten: 80 % des Budgets erreicht"),
    ]
    assert "/settings/whatsapp-costs?month=" in outbox[0].get_content()


def test_last_months_notice_does_not_silence_this_month(
    app, client, channel_key, outbox
):
    only_rates(app, ("marketing", "DE", "0.1131"))
    set_budget(client, "0.10")
    with app.app_context():
        workspace_id = db.session.scalars(select(Workspace.id)).one()
        last_month = (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)
        for percent in (80, 100):
            db.session.add(
                WhatsAppBudgetNotice(
                    workspace_id=workspace_id, month=last_month, percent=percent
                )
            )
        db.session.commit()
    spend(client, channel_key, "wamid.1")
    assert run(notify_budget_levels) == 2
    assert len(outbox) == 2
