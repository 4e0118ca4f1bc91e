"""The first-response buckets as horizontal bars, laid out here and drawn as SVG.

Server-rendered (no chart library, no script: the CSP allows none inline) by
templates/reports/_bucket_chart.html; colours come from CSS classes, so the dark
theme's tokens apply. Horizontal bars keep their labels readable at 360 px.
A bucket of 1–4 first answers is drawn as a hollow bar of the height of five,
labelled "< 5": its length must not tell what its label hides (privacy.py).
"""

from dataclasses import dataclass

from .privacy import MINIMUM, hidden
from .table import Row

WIDTH = 320  # the viewBox; the SVG scales to its box
LABEL_WIDTH = 78
BAR_SPACE = 180  # the longest bar; the rest of the width holds its value
ROW_HEIGHT = 30
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the count as the table shows it
    y: int
    width: float
    few: bool  # 1–4: drawn hollow at the length of MINIMUM

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    description: str  # the aria-label: the same numbers in words
    width: int = WIDTH
    bar_x: int = LABEL_WIDTH


def bucket_chart(rows: list[Row], counts: tuple[int, ...], title: str) -> Chart:
    """Bars for the buckets' counts (rows: their cells from table.bucket_rows)."""
    lengths = [MINIMUM if hidden(count) else count for count in counts]
    longest = max(lengths) or 1
    bars = [
        Bar(
            row.label,
            row.now,
            index * ROW_HEIGHT,
            BAR_SPACE * length / longest,
            hidden(count),
        )
        for index, (row, count, length) in enumerate(
            zip(rows, counts, lengths, strict=True)
        )
    ]
    words = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return Chart(bars, len(bars) * ROW_HEIGHT, f"{title}. {words}")
