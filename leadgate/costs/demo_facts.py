"""A month of priced messages for the demo workspace, so the cost page has figures.

Made up, like the rest of the demo: pseudonyms of invented wamids, German,
Austrian and Swiss recipients, marketing, utility and free service messages.
Safe to run again: the pseudonyms are the same each time, so nothing doubles.
"""

import random
from datetime import timedelta
from typing import cast

from sqlalchemy import Table

from ..dbutil import bulk_insert_ignoring_conflicts
from ..models import ReportPricing, utcnow
from ..reports.pseudonyms import Pseudonyms

# (category, pricing type, recipient country, messages in the month)
MIX = (
    ("marketing", "regular", "DE", 60),
    ("marketing", "regular", "AT", 8),
    ("utility", "regular", "DE", 25),
    ("utility", "free_customer_service", "DE", 30),
    ("authentication", "regular", "CH", 4),
    ("service", "free_customer_service", "DE", 120),
)


def seed_demo_costs(workspace_id: int, channel_id: int) -> None:
    """Insert the demo's priced messages of the last 30 days (caller commits)."""
    names, pick, now = Pseudonyms(), random.Random(19), utcnow()
    rows = []
    for category, kind, country, count in MIX:
        for n in range(count):
            at = now - timedelta(days=pick.randrange(30), minutes=pick.randrange(1440))
            key = f"{channel_id}:demo.{category}.{kind}.{country}.{n}"
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "message_key": names.of(workspace_id, "wamid", key),
                    "channel_id": channel_id,
                    "campaign_id": None,
                    "template_id": None,
                    "country": country,
                    "category": category,
                    "pricing_type": kind,
                    "billable": kind == "regular",
                    "sent_at": at,
                    "sent_on": at.date(),
                }
            )
    bulk_insert_ignoring_conflicts(cast(Table, ReportPricing.__table__), rows)
