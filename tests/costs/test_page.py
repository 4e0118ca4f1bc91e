"""The "WhatsApp-Kosten" page: per number, category, campaign and month; rates by country."""

import re

import pytest
from sqlalchemy import select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import AuditEvent, Role, WhatsAppRate, Workspace

from ..support import make_user
from ..webhook_fixtures import sign
from .helpers import make_platform_admin, only_rates, post_statuses, status, statuses

ANNA, BEN, LUKAS = "4915112345601", "4915112345602", "436641234567"
MAY = {"month": "2026-05"}


def cell(html: str, table: str, row: str) -> list[str]:
    """The texts of a breakdown row's cells (billable, free, cost)."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(
        rf"<span>(?:<a [^>]*>)?{re.escape(row)}(?:</a>)?</span></th>(.*?)</tr>",
        body,
        re.S,
    )
    assert found, (table, row)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def a_month_of_messages(client, key: str) -> None:
    post_statuses(
        client,
        key,
        status("wamid.1", "sent", ANNA, "marketing"),
        status("wamid.2", "sent", BEN, "marketing"),
        status("wamid.2", "delivered", BEN, "marketing"),
        status("wamid.3", "sent", LUKAS, "marketing"),
        status("wamid.4", "sent", LUKAS, "utility"),
        status("wamid.5", "sent", ANNA, "service", "free_customer_service"),
    )


def test_costs_follow_the_rate_of_the_recipients_country(app, client, channel_key):
    only_rates(app, ("marketing", "DE", "0.1131"))
    a_month_of_messages(client, channel_key)
    html = client.get("/settings/whatsapp-costs", query_string=MAY).get_data(True)
    # Two German marketing messages at 0.1131 €; the Austrian one has no rate.
    assert cell(html, "by-category", "Marketing") == [
        "3",
        "0",
        "0,23 € (1 Nachricht ohne Tarif)",
    ]
    assert cell(html, "by-category", "Service-Mitteilung (Utility)") == [
        "1",
        "0",
        "kein Tarif hinterlegt",
    ]
    assert cell(html, "by-category", "Service (Antwort im 24-Stunden-Fenster)") == [
        "0",
        "1",
        "0,00 €",
    ]
    assert cell(html, "by-channel", "Vertrieb") == [
        "4",
        "1",
        "0,23 € (2 Nachrichten ohne Tarif)",
    ]
    assert cell(html, "by-campaign", "ohne Kampagne")[:2] == ["4", "1"]
    assert cell(html, "by-month", "Mai 2026")[:2] == ["4", "1"]
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html


def test_the_platform_admin_enters_a_rate_and_the_page_prices_with_it(
    app, client, channel_key
):
    only_rates(app)
    a_month_of_messages(client, channel_key)
    make_platform_admin(app)
    answer = client.post(
        "/admin/whatsapp-rates",
        data={
            "category": "utility",
            "country": "at",
            "eur": "0.0400",
            "valid_from": "2026-05-01",
            "source": "Meta rate card",
        },
    )
    assert answer.status_code == 303
    html = client.get("/settings/whatsapp-costs", query_string=MAY).get_data(True)
    assert cell(html, "by-category", "Service-Mitteilung (Utility)")[2] == "0,04 €"
    with app.app_context():
        [rate] = db.session.scalars(select(WhatsAppRate)).all()
        assert (rate.country, rate.category, str(rate.eur)) == (
            "AT",
            "utility",
            "0.0400",
        )
        [event] = db.session.scalars(select(AuditEvent)).all()
        assert event.action == "costs.rate_changed" and event.workspace_id is None


def test_a_rate_from_a_later_day_does_not_price_earlier_messages(
    app, client, channel_key
):
    only_rates(app)
    with app.app_context():
        db.session.add(
            WhatsAppRate(
                category="marketing", country="DE", eur="0.2", valid_from="2026-06-01"
            )
        )
        db.session.commit()
    a_month_of_messages(client, channel_key)
    html = client.get("/settings/whatsapp-costs", query_string=MAY).get_data(True)
    assert cell(html, "by-category", "Marketing")[2] == "kein Tarif hinterlegt"


@pytest.mark.parametrize(("role", "expect"), [(Role.ADMIN, 200), (Role.AGENT, 403)])
def test_only_owners_and_admins_see_the_page(app, client, auth, role, expect):
    with app.app_context():
        owner = make_user("boss@example.com")
        workspace = db.session.scalars(select(Workspace)).one()
        make_user("member@example.com", workspace=workspace, role=role)
        db.session.commit()
        assert owner.id
    auth.login("member@example.com")
    answer = client.get("/settings/whatsapp-costs")
    assert answer.status_code == expect
    assert ("WhatsApp-Kosten" in answer.get_data(True)) == (expect == 200)


def test_another_workspaces_messages_never_show(app, client, channel_key):
    only_rates(app, ("marketing", "DE", "0.1131"))
    with app.app_context():
        other = make_user("other@example.com", name="Zora Zander")
        channel = create_channel(
            other.memberships[0].workspace,
            name="Zebra-Nummer",
            phone_number_id="999000000000001",
            waba_id="999000000000002",
            access_token="t",
            app_secret="other-secret",
        )
        db.session.commit()
        other_key = channel.key
    body = statuses(status("wamid.Z", "sent", ANNA, "marketing"))
    body = body.replace(b"111000000000001", b"999000000000001")
    client.post(
        f"/webhooks/whatsapp/{other_key}",
        data=body,
        headers={"X-Hub-Signature-256": sign(body, "other-secret")},
        content_type="application/json",
        csrf=False,
    )
    post_statuses(client, channel_key, status("wamid.1", "sent", ANNA, "marketing"))
    html = client.get("/settings/whatsapp-costs", query_string=MAY).get_data(True)
    assert "Zebra" not in html
    assert cell(html, "by-channel", "Vertrieb") == ["1", "0", "0,11 €"]
    assert 'id="total-billable">1<' in html
