"""Steps of the cost tests: signed status webhooks, rates entered by the admin."""

import json
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from leadgate.extensions import db
from leadgate.models import ReportPricing, User, WhatsAppRate

from ..emulator_support import PHONE_ID, WABA_ID
from ..outbound.helpers import post_webhook, read

SENT_AT = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)


def status(
    wamid: str,
    state: str,
    to: str,
    category: str | None,
    kind: str = "regular",
    at: datetime = SENT_AT,
) -> dict:
    """One statuses[] item; category None: without pricing (a later status)."""
    item: dict = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": to,
    }
    if category:
        item["pricing"] = {
            "billable": kind == "regular",
            "pricing_model": "PMP",
            "type": kind,
            "category": category,
        }
    return item


def statuses(*items: dict) -> bytes:
    """A signed-ready body of Meta's shape for the test number."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550000001",
            "phone_number_id": PHONE_ID,
        },
        "statuses": list(items),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(body).encode()


def post_statuses(client, key: str, *items: dict) -> None:
    post_webhook(client, key, statuses(*items))


def facts() -> list[ReportPricing]:
    return read(select(ReportPricing).order_by(ReportPricing.id))


def only_rates(app, *rates: tuple[str, str, str]) -> None:
    """The rate table holds exactly these (category, country, EUR) from 2025-07-01."""
    with app.app_context():
        db.session.execute(delete(WhatsAppRate))
        for category, country, eur in rates:
            db.session.add(
                WhatsAppRate(
                    category=category,
                    country=country,
                    eur=eur,
                    valid_from=datetime(2025, 7, 1).date(),
                )
            )
        db.session.commit()


def make_platform_admin(app, email: str = "owner@example.com") -> None:
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == email).values(is_platform_admin=True)
        )
        db.session.commit()
