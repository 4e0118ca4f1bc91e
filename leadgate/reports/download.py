"""The Überblick's figures as a CSV file: the same cells as the page, nothing personal.

Only figures and their labels (a "< 5" stays "< 5"), plus the period and the
filters' team and number names, so the file says what it counts. Semicolons
and a BOM, as the contact export, so Excel in German opens it as a table.
"""

import csv
import io

from flask_babel import gettext as _

# A spreadsheet runs a cell that starts like a formula ("+3" too); the contact
# export's rule makes it text. Team and number names are typed by people.
from ..contacts.export import safe
from .filters import Filters, Period
from .table import Row


def overview_csv(rows: list[Row], period_text: str, filter_text: list[str]) -> str:
    """The file: what it counts, then one line per figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("Zeitraum"), period_text])
    for line in filter_text:
        writer.writerow([safe(line)])
    writer.writerow([])
    writer.writerow([_("Kennzahl"), _("Zeitraum"), _("Vorzeitraum"), _("Veränderung")])
    for row in rows:
        writer.writerow([row.label, row.now, row.before, safe(row.change)])
    return "\ufeff" + buffer.getvalue()


def filename(period: Period) -> str:
    """ "ueberblick-2026-05-01-bis-2026-05-31.csv" """
    return f"ueberblick-{period.first.isoformat()}-bis-{period.last.isoformat()}.csv"


def applied(filters: Filters, teams: dict, numbers: dict) -> list[str]:
    """The team and number filters in words (none: nothing)."""
    lines = []
    if filters.team_id:
        lines.append(_("Team: %(name)s", name=teams[filters.team_id]))
    if filters.channel_id:
        lines.append(_("Nummer: %(name)s", name=numbers[filters.channel_id]))
    return lines
