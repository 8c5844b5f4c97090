"""A click on the map becomes the record under it and a detail card that never crashes on a value."""

from __future__ import annotations

import pytest

from atlas.analysis.pick import PICKABLE, card_rows, pick_record
from atlas.core.model import Atlas
from atlas.core.schema import Layer


@pytest.mark.parametrize(("layer", "attribute"), PICKABLE)
def test_clicking_any_record_of_the_shipped_data_picks_it_and_builds_its_card(
    shipped_atlas: Atlas, layer: Layer, attribute: str
) -> None:
    frame = getattr(shipped_atlas, attribute)
    for _, row in frame.iterrows():
        picked = pick_record(shipped_atlas, lon=float(row["lon"]), lat=float(row["lat"]))
        assert picked is not None
        for lang in ("zh", "en"):
            rows = card_rows(shipped_atlas, picked, lang=lang)
            assert rows and all(isinstance(k, str) and isinstance(v, str) and v for k, v in rows)


def test_a_zone_card_shows_its_precision_with_the_uncertainty_and_its_policy_sections(tiny_atlas: Atlas) -> None:
    zone = tiny_atlas.zones.iloc[0]
    picked = pick_record(tiny_atlas, lon=float(zone["lon"]), lat=float(zone["lat"]))
    assert picked is not None and picked.layer == Layer.ZONES
    text = "\n".join(f"{k}: {v}" for k, v in card_rows(tiny_atlas, picked, lang="en"))
    assert f"± {zone['uncertainty_km']:g} km" in text
    assert "II.(" in text


def test_a_click_far_from_every_record_picks_nothing(tiny_atlas: Atlas) -> None:
    assert pick_record(tiny_atlas, lon=104.0, lat=29.2) is None
