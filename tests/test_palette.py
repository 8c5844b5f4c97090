"""One status palette, in life-cycle order, that colour-blind readers can tell apart, used by every view."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from atlas.analysis.aggregate import status_breakdown, summarise_projects
from atlas.analysis.gaps import gap_matrix_long
from atlas.analysis.profile import zone_profile
from atlas.core import palette
from atlas.core.schema import STATUS_GROUP, ProjectStatus
from atlas.reports.profile_page import zone_profile_html

# Machado, Oliveira & Fernandes (2009), severity 1.0: linear-RGB matrices simulating each colour-vision deficiency.
SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E = 10.0
"""CIE76 distance below which two flat colour patches start to look alike."""


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear_rgb
    f = np.cbrt(xyz / np.array([0.95047, 1.0, 1.08883]))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours: dict[str, str], simulation: np.ndarray) -> tuple[float, str, str]:
    seen = {name: _lab(np.clip(simulation @ _linear(c), 0, 1)) for name, c in colours.items()}
    return min((float(np.linalg.norm(seen[a] - seen[b])), a, b) for a, b in itertools.combinations(seen, 2))


@pytest.mark.parametrize("vision", sorted(SIMULATIONS))
@pytest.mark.parametrize("colours", ["STATUS_COLOURS", "COVERAGE_COLOURS"])
def test_no_two_states_look_alike_to_a_colour_blind_reader(colours, vision):
    distance, a, b = closest_pair(getattr(palette, colours), SIMULATIONS[vision])
    assert distance >= MIN_DELTA_E, f"{a} and {b} are only ΔE {distance:.1f} apart under {vision}"


def test_statuses_run_in_life_cycle_order_from_dark_to_light():
    assert palette.STATUS_ORDER == ("operating", "commissioning", "under-construction", "signed", "planned",
                                    "suspended", "unknown")
    lightness = [_lab(_linear(palette.STATUS_COLOURS[s]))[0] for s in palette.STATUS_ORDER[:5]]
    assert lightness == sorted(lightness)


def test_every_folded_state_has_a_colour_and_text_reads_on_it():
    assert set(palette.STATE_ORDER) == set(STATUS_GROUP.values())
    assert palette.ink_on(palette.STATUS_COLOURS[ProjectStatus.OPERATING]) == palette.LIGHT_INK
    assert palette.ink_on(palette.STATUS_COLOURS[ProjectStatus.PLANNED]) == palette.DARK_INK


def test_the_cluster_chart_stacks_and_colours_states_as_the_gap_matrix_does(tiny_atlas):
    long = status_breakdown(summarise_projects(tiny_atlas, tiny_atlas.projects, by="cluster-type"), "zh")
    legend = long.drop_duplicates("state").sort_values("order")
    assert list(legend["state"]) == ["已投产", "在建/试产", "规划/签约", "其他"]
    assert list(legend["colour"]) == [palette.STATE_COLOURS[s] for s in palette.STATE_ORDER]


def test_a_zone_profile_colours_its_chain_cells_from_the_palette(tiny_atlas):
    page = zone_profile_html(tiny_atlas, zone_profile(tiny_atlas, "qingzhen"), lang="en")
    used = set(re.findall(r'class="chip" style="background:(#[0-9a-f]{6})', page))
    assert used and used <= set(palette.COVERAGE_COLOURS.values())
    states = set(gap_matrix_long(tiny_atlas)["state"])
    assert states <= set(palette.COVERAGE_COLOURS)


def test_projects_without_a_group_are_named_in_words_in_both_languages(tiny_atlas):
    summary = summarise_projects(tiny_atlas, tiny_atlas.projects, by="zone")
    unzoned = summary[summary["key"] == "(none)"]
    assert list(unzoned["name_zh"]) == ["（不在开发区内或未说明）"]
    assert list(unzoned["name_en"]) == ["(outside a zone, or not stated)"]
    assert not summary.isin(["None", "nan"]).any().any() and isinstance(summary, pd.DataFrame)
