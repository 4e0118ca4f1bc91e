"""Auswertungen → Überblick (owners and admins): the week's figures beside the last.

One URL serves the page and, for the filter form's htmx requests, the results
fragment (hx-push-url keeps the URL shareable; a plain GET works without
JavaScript). Invalid filters answer 422 with the reason beside the form.
"""

from datetime import datetime

from flask import Blueprint, Response, request
from flask_babel import format_date
from flask_babel import gettext as _

from ..files import content_disposition
from ..htmx import render_page_or_fragment
from ..models import utcnow
from ..security import serves_files
from ..tenancy import current_workspace_id, manager_required
from . import download
from .chart import bucket_chart
from .filters import (
    RANGES,
    Filters,
    Period,
    numbers_of,
    parse,
    teams_of,
    workspace_zone,
)
from .overview import overview
from .table import bucket_rows, figure_rows

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/overview")
@manager_required
def overview_page():
    workspace_id = current_workspace_id()
    filters, now = chosen_filters(workspace_id)
    context = {
        "filters": filters,
        "ranges": RANGES,
        "teams": teams_of(workspace_id),
        "numbers": numbers_of(workspace_id),
        "as_of": now,
        "as_of_date": format_date(now.date(), "medium"),
    }
    if not filters.errors:
        report = overview(workspace_id, filters)
        buckets = bucket_rows(report)
        context |= {
            "period_text": period_text(report.period),
            "previous_text": period_text(report.period.previous()),
            "rows": figure_rows(report),
            "buckets": buckets,
            "chart": bucket_chart(
                buckets, report.current.buckets, _("Erste Antworten nach Dauer")
            ),
        }
    response = render_page_or_fragment(
        "reports/overview.html", "reports/_results.html", **context
    )
    response.status_code = 422 if filters.errors else 200
    return response


@bp.get("/overview.csv")
@serves_files
@manager_required
def overview_csv():
    workspace_id = current_workspace_id()
    filters, _now = chosen_filters(workspace_id)
    if filters.errors or filters.period is None:
        return Response(" ".join(filters.errors.values()), 422, mimetype="text/plain")
    report = overview(workspace_id, filters)
    lines = download.applied(filters, teams_of(workspace_id), numbers_of(workspace_id))
    text = download.overview_csv(
        figure_rows(report) + bucket_rows(report), period_text(report.period), lines
    )
    name = download.filename(report.period)
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition(name, "ueberblick.csv"),
            "Cache-Control": "no-store",
        },
    )


def chosen_filters(workspace_id: int) -> tuple[Filters, datetime]:
    """The request's filters; "today" and the moment shown are the workspace's."""
    zone = workspace_zone(workspace_id)
    now = utcnow().astimezone(zone)
    return parse(workspace_id, request.args, now.date(), zone), now


def period_text(period: Period) -> str:
    """ "1. Mai 2026 – 31. Mai 2026" """
    return f"{format_date(period.first, 'long')} – {format_date(period.last, 'long')}"
