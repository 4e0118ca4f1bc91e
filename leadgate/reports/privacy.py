"""Small numbers are never exact: the one rule for what a report cell may show.

A figure that describes fewer than five conversations could point at a person
("the one contact from Tuesday night"), so such a cell never carries its value:
a count of 1–4 reads "< 5", a median, percentile or share computed from 1–4
conversations reads "< 5 Gespräche". Zero is shown as it is (it describes
nobody); a value computed from nothing reads "–". Every page, chart and CSV of
the reports takes its cells from `cell()`, so the rule cannot differ between them.
"""

from collections.abc import Callable

from flask_babel import gettext as _

MINIMUM = 5
NOTHING = "–"


def hidden(basis: int) -> bool:
    """The figure describes 1–4 conversations: its value must not be shown."""
    return 0 < basis < MINIMUM


def cell(basis: int, exact: Callable[[], str], count: bool = False) -> str:
    """What a cell shows for a figure about `basis` conversations.

    count: the figure is the number of conversations itself (so `basis` is it).
    """
    if hidden(basis):
        return "< 5" if count else _("< 5 Gespräche")
    if basis == 0 and not count:
        return NOTHING
    return exact()


def change_cell(
    basis: int, earlier_basis: int, exact: Callable[[], str], count: bool = False
) -> str:
    """The change against the previous period: hidden when either side is.

    A change beside a "< 5" would give the hidden value away (12 now, +9: so 3).
    A value (median, share) changes only between two values: both need a basis.
    """
    if hidden(basis) or hidden(earlier_basis):
        return NOTHING
    if count and (basis or earlier_basis):
        return exact()
    if not count and basis and earlier_basis:
        return exact()
    return NOTHING
