"""Settings → WhatsApp-Kosten (owners and admins): the month's costs and the budget."""

from collections.abc import Callable
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms import form_status
from ..models import utcnow
from ..tenancy import current_workspace_id, manager_required
from .budget import budget_of, set_budget
from .forms import BudgetForm
from .report import Line, month_report, month_start, monthly_totals, names
from .words import category_label, euro, month_name

bp = Blueprint("costs", __name__, url_prefix="/settings/whatsapp-costs")


@bp.route("", methods=["GET", "POST"])
@manager_required
def index():
    workspace_id = current_workspace_id()
    this_month = month_start(utcnow().date())
    month = chosen_month(request.args.get("month"), this_month)
    budget = budget_of(workspace_id)
    form = BudgetForm(data={"monthly_eur": budget})
    if form.validate_on_submit():
        if set_budget(workspace_id, form.monthly_eur.data):
            db.session.commit()
        flash(_("Das Budget wurde gespeichert."), "success")
        return redirect(url_for("costs.index", month=month.strftime("%Y-%m")), 303)
    channels, campaigns = names(workspace_id)
    report = month_report(workspace_id, month)
    page = render_template(
        "costs/index.html",
        form=form,
        month=month,
        this_month=this_month,
        report=report,
        by_channel=rows(report.by_channel, channels.get, _("entfernte Nummer")),
        by_category=rows(report.by_category, category_label, "–"),
        by_campaign=rows(report.by_campaign, campaigns.get, _("ohne Kampagne")),
        months=monthly_totals(workspace_id, this_month, 12),
        budget=budget,
        euro=euro,
        month_name=month_name,
    )
    return page, form_status(form)


def rows(lines: dict, label_of: Callable, missing: str) -> list[tuple[str, Line]]:
    """(label, line) sorted by label; what has no label (None) comes last."""
    named = [
        (label_of(key) if key is not None else None, line)
        for key, line in lines.items()
    ]
    return sorted(
        ((label or missing, line) for label, line in named),
        key=lambda row: (row[0] == missing, str(row[0]).casefold()),
    )


def chosen_month(text: str | None, default: date) -> date:
    """The month of "?month=2026-05"; this month for anything else."""
    try:
        year, number = (int(part) for part in (text or "").split("-"))
        return date(year, number, 1)
    except ValueError:
        return default
