"""The Überblick's figures as rows of text: the page, the chart's table and the CSV.

Every cell goes through privacy.cell (the "< 5" rule), so what the page shows
and what the CSV holds are the same strings. Durations read "12 Min." or
"3 Std. 5 Min." (business-hours time, as the facts count it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .overview import Figures, Overview, Spread
from .privacy import NOTHING, cell, change_cell

BUCKET_LABELS = (
    _l("< 5 Min."),
    _l("< 15 Min."),
    _l("< 1 Std."),
    _l("< 4 Std."),
    _l("< 24 Std."),
    _l("später"),
)


@dataclass(frozen=True)
class Row:
    key: str  # a stable id (tests, CSS hooks)
    label: str
    now: str
    before: str
    change: str
    hint: str = ""


def duration(seconds: float) -> str:
    """ "12 Min.", "3 Std. 5 Min."; under a minute "< 1 Min." """
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("< 1 Min.")
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d Min.", minutes=minutes)
    if not minutes:
        return _("%(hours)d Std.", hours=hours)
    return _("%(hours)d Std. %(minutes)d Min.", hours=hours, minutes=minutes)


def signed(value: float, text: Callable[[float], str]) -> str:
    """A change with its sign: "+3", "−12 Min.", "±0"."""
    if round(value, 6) == 0:
        return "±" + text(0)
    return ("+" if value > 0 else "−") + text(abs(value))


def number(value: float) -> str:
    return format_decimal(value)


def count_row(key: str, label: str, now: int, before: int, hint: str = "") -> Row:
    return Row(
        key,
        label,
        cell(now, lambda: number(now), count=True),
        cell(before, lambda: number(before), count=True),
        change_cell(now, before, lambda: signed(now - before, number), count=True),
        hint,
    )


def duration_change(now: float, before: float) -> str:
    return signed(now - before, duration)


def spread_rows(
    key: str, labels: tuple[str, str], now: Spread, before: Spread
) -> list[Row]:
    """The median and the 90th percentile, each a row."""
    rows = []
    for part, label in zip(("median", "p90"), labels, strict=True):
        value, earlier = getattr(now, part), getattr(before, part)
        rows.append(
            Row(
                f"{key}-{part}",
                label,
                cell(now.basis, partial(duration, value)),
                cell(before.basis, partial(duration, earlier)),
                change_cell(
                    now.basis, before.basis, partial(duration_change, value, earlier)
                ),
            )
        )
    return rows


def share_row(now: Figures, before: Figures) -> Row:
    def points(value: float) -> str:
        return _("%(points)s Prozentpunkte", points=format_decimal(round(value * 100)))

    share, earlier = now.within_target, before.within_target
    return Row(
        "within-target",
        _("Im Antwortziel beantwortet"),
        cell(now.targeted, lambda: format_percent(share)),
        cell(before.targeted, lambda: format_percent(earlier)),
        change_cell(
            now.targeted,
            before.targeted,
            lambda: signed((share or 0) - (earlier or 0), points),
        ),
        _(
            "1 − Überschreitungen ÷ Gespräche: gezählt werden die im Zeitraum "
            "eröffneten Gespräche der Teams, die ein Antwortziel haben, und die "
            "Überschreitungen dieser Teams im Zeitraum. Noch wartende Gespräche, "
            "deren Frist nicht abgelaufen ist, gelten als eingehalten."
        ),
    )


def figure_rows(report: Overview) -> list[Row]:
    """The figures table, top to bottom."""
    now, before = report.current, report.previous
    return [
        count_row(
            "opened",
            _("Eröffnete Gespräche"),
            now.opened,
            before.opened,
            _("Eröffnungen und Wiedereröffnungen im Zeitraum."),
        ),
        count_row(
            "new-contacts",
            _("davon neue Kontakte"),
            now.new_contacts,
            before.new_contacts,
        ),
        count_row(
            "resolved",
            _("Erledigte Gespräche"),
            now.resolved,
            before.resolved,
            _("Im Zeitraum erledigt, wann immer eröffnet."),
        ),
        Row(
            "waiting",
            _("Warten jetzt auf die erste Antwort"),
            cell(report.waiting, lambda: number(report.waiting), count=True),
            NOTHING,
            NOTHING,
            _("Stand jetzt, unabhängig vom Zeitraum."),
        ),
        *spread_rows(
            "first-response",
            (_("Erste Antwort, Median"), _("Erste Antwort, 90. Perzentil")),
            now.first_response,
            before.first_response,
        ),
        *spread_rows(
            "resolution",
            (_("Bis zur Erledigung, Median"), _("Bis zur Erledigung, 90. Perzentil")),
            now.resolution,
            before.resolution,
        ),
        share_row(now, before),
    ]


def bucket_rows(report: Overview) -> list[Row]:
    """First answers per bucket of time (the chart and its table)."""
    return [
        count_row(f"bucket-{i}", str(label), now, before)
        for i, (label, now, before) in enumerate(
            zip(
                BUCKET_LABELS,
                report.current.buckets,
                report.previous.buckets,
                strict=True,
            )
        )
    ]
