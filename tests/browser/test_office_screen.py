"""A promotion officer's 1366×768 office screen: the map comes first, in both languages, on every main page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import EXCEPTION, MAP_IFRAME, map_frame, map_frames, open_app, snap

OFFICE_SCREEN = {"width": 1366, "height": 768}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_an_office_screen_the_map_fills_most_of_the_first_view(page: Page, app_url: str, lang: str) -> None:
    page.set_viewport_size(OFFICE_SCREEN)
    open_app(page, f"{app_url}/?lang={lang}")
    map_frame(page)
    box = page.locator(MAP_IFRAME).first.bounding_box()
    shot = snap(page, f"office-screen-map-{lang}")
    assert box is not None
    height = OFFICE_SCREEN["height"]
    assert box["y"] <= height / 3, f"the map starts {box['y']:.0f} px down, below the first third (screenshot {shot})"
    assert box["height"] >= 0.6 * height, f"the map is {box['height']:.0f} px high, under 60 % of {height} ({shot})"
    assert box["y"] + box["height"] <= height + 1, f"the map's bottom edge is below the window ({shot})"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", ["zones?zone=qingzhen&", "clusters?", "gaps?"])
def test_main_pages_on_an_office_screen_draw_without_errors(page: Page, app_url: str, path: str, lang: str) -> None:
    page.set_viewport_size(OFFICE_SCREEN)
    open_app(page, f"{app_url}/{path}lang={lang}")
    map_frames(page)
    shot = snap(page, f"office-screen-{path.split('?')[0]}-{lang}")
    assert page.locator(EXCEPTION).count() == 0, f"exceptions on {path} ({shot})"
