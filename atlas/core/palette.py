"""The one status palette: map cards, charts, the chain-gap matrix, the HTML and PDF profiles all colour from here.

A project's status runs a life cycle (operating → commissioning → under construction → signed → planned;
suspended and unknown off to the side). Its colours run dark green to pale yellow in the same order, so
the order reads from lightness alone, and suspended/unknown are purple and grey, off the scale. Every pair
of colours a reader sees together (the seven statuses; the matrix's grouped states with its gap colours)
stays at least ΔE 10 apart under simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009,
tested in tests/test_palette.py), so no colour-blind reader confuses two states.
"""

from __future__ import annotations

from typing import Final

from atlas.core.schema import ProjectStatus

STATUS_ORDER: Final[tuple[str, ...]] = tuple(str(s) for s in ProjectStatus)
"""Life-cycle order, for legends, chart stacks and table sorting."""

STATUS_COLOURS: Final[dict[str, str]] = {
    ProjectStatus.OPERATING: "#006d2c",
    ProjectStatus.COMMISSIONING: "#31a354",
    ProjectStatus.UNDER_CONSTRUCTION: "#74c476",
    ProjectStatus.SIGNED: "#f2b01e",
    ProjectStatus.PLANNED: "#fdd870",
    ProjectStatus.SUSPENDED: "#7b3294",
    ProjectStatus.UNKNOWN: "#b8b8b8",
}

STATE_ORDER: Final[tuple[str, ...]] = ("operating", "building", "planned", "other")
"""The statuses folded as the chain-gap matrix and the cluster chart fold them (`schema.STATUS_GROUP`)."""

STATE_COLOURS: Final[dict[str, str]] = {
    "operating": STATUS_COLOURS[ProjectStatus.OPERATING],
    "building": STATUS_COLOURS[ProjectStatus.UNDER_CONSTRUCTION],
    "planned": STATUS_COLOURS[ProjectStatus.PLANNED],
    "other": STATUS_COLOURS[ProjectStatus.UNKNOWN],
}
"""A folded state takes the colour of its most common member."""

COVERAGE_COLOURS: Final[dict[str, str]] = {
    **STATE_COLOURS,
    "present-not-assigned": "#9ecae1",
    "assigned-empty": "#b2182b",
    "not-assigned": "#f0f0f0",
}
"""The chain-gap matrix's cells: the folded states, plus a gap (red), a project nobody asked for (pale blue)
and "not asked for" (near white)."""

DARK_INK: Final[str] = "#111111"
LIGHT_INK: Final[str] = "#ffffff"


def ink_on(fill: str) -> str:
    """Text colour readable on `fill` (WCAG relative luminance; white on dark fills, near-black on light)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(fill[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return LIGHT_INK if luminance < 0.23 else DARK_INK


def status_colour(status: str) -> str:
    """The colour of any status text; text that is no known status is `unknown`'s grey."""
    return STATUS_COLOURS.get(status, STATUS_COLOURS[ProjectStatus.UNKNOWN])


def coverage_colours(state: str) -> tuple[str, str]:
    """(fill, text) of a chain-gap cell state."""
    fill = COVERAGE_COLOURS.get(state, LIGHT_INK)
    return fill, ink_on(fill)


