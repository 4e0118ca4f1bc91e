"""Owners learn by mail when the month's WhatsApp cost reaches 80 % and 100 % of the budget.

Once per workspace, month and level: the cron job first inserts the notice
row (unique per workspace, month and percent, ON CONFLICT DO NOTHING) and
enqueues a mail job only for the rows it inserted, so two runs never mail
twice. The job gets ids and numbers only.
"""

import logging
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..mail import rendering, send
from ..models import (
    Membership,
    Role,
    User,
    WhatsAppBudget,
    WhatsAppBudgetNotice,
    Workspace,
    utcnow,
)
from ..queue import enqueue
from ..urls import DEV_BASE_URL, external_url
from .report import month_start, month_to_date

log = logging.getLogger(__name__)
LEVELS = (80, 100)


def notify_budget_levels() -> int:
    """rq cron: a mail job per budget level reached this month and not yet told."""
    today = utcnow().date()
    budgets = db.session.execute(
        select(WhatsAppBudget.workspace_id, WhatsAppBudget.monthly_eur).where(
            WhatsAppBudget.monthly_eur.is_not(None)
        )
    ).all()
    due = []
    for workspace_id, budget in budgets:
        assert budget is not None  # selected so
        spent = month_to_date(workspace_id, today).cost
        for percent in reached(spent, budget):
            if claim(workspace_id, month_start(today), percent):
                due.append((workspace_id, percent))
    db.session.commit()
    for workspace_id, percent in due:
        enqueue(
            mail_budget_level, workspace_id, percent, month_start(today).isoformat()
        )
    return len(due)


def reached(spent: Decimal, budget: Decimal) -> list[int]:
    return [p for p in LEVELS if budget > 0 and spent * 100 >= budget * p]


def claim(workspace_id: int, month: date, percent: int) -> bool:
    """Record the notice; False if it was recorded before (told already)."""
    inserted = db.session.execute(
        insert_ignoring_conflicts(
            WhatsAppBudgetNotice,
            workspace_id=workspace_id,
            month=month,
            percent=percent,
            created_at=utcnow(),
        ).returning(WhatsAppBudgetNotice.id)
    ).scalar()
    return inserted is not None


def mail_budget_level(workspace_id: int, percent: int, month: str) -> None:
    """Mail each owner, in their language, how much of the budget is used."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        return
    owners = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.workspace_id == workspace_id,
            Membership.role == Role.OWNER,
            User.deleted_at.is_(None),
        )
        .order_by(User.id)
    ).all()
    address = current_app.config["BASE_URL"] or DEV_BASE_URL
    for user in owners:
        with rendering(user.locale, address):
            send(
                user.email,
                _(
                    "WhatsApp-Kosten: %(percent)d %% des Budgets erreicht",
                    percent=percent,
                ),
                "mail/whatsapp_budget.txt",
                workspace=workspace,
                percent=percent,
                month=month,
                url=external_url("costs.index", month=month[:7]),
            )
    log.info(
        "Workspace %s: budget %s%% mailed to %s owners",
        workspace_id,
        percent,
        len(owners),
    )
