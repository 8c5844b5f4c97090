"""Navigation on a freshly started server: no file-name page list, ever, and deep links land on their page.

Streamlit starts a server whose main script has a `pages/` folder beside it in its legacy multipage mode,
which lists the files by name ("app, clusters, compare, …") until the app's own navigation runs. A new
server is started for this test, so its first request is the very first run of the process.
"""

from __future__ import annotations

from playwright.sync_api import Page

from .conftest import MAIN_BLOCK, PageLog, map_frame, run_streamlit, snap, wait_for_app

LEGACY_LABELS = [
    "accounts", "app", "clusters", "compare", "data", "gaps", "map", "projects", "registry", "targets", "zones"
]
"""What the legacy list shows: the file names of app.py and pages/*.py."""

WATCH_SIDEBAR_JS = """
(legacyLabels) => {
  window.__sidebarSeen = {streamlitNav: false, legacyLabels: []};
  const look = () => {
    const seen = window.__sidebarSeen;
    if (document.querySelector('[data-testid="stSidebarNav"], [data-testid="stSidebarNavItems"]')) {
      seen.streamlitNav = true;
    }
    for (const link of document.querySelectorAll('[data-testid="stSidebar"] a')) {
      const text = link.innerText.trim();
      if (legacyLabels.includes(text) && !seen.legacyLabels.includes(text)) seen.legacyLabels.push(text);
    }
  };
  new MutationObserver(look).observe(document, {childList: true, subtree: true, characterData: true});
}
"""


def test_first_visit_to_a_deep_link_on_a_fresh_server_lands_on_its_page_without_the_legacy_list(
    page: Page, page_log: PageLog
) -> None:
    with run_streamlit("app.py", log_name="fresh-server") as server:
        page.add_init_script(f"({WATCH_SIDEBAR_JS})({LEGACY_LABELS!r})")  # runs before the app's own scripts
        page.goto(f"{server.url}/zones?lang=en", wait_until="domcontentloaded")
        wait_for_app(page, timeout_ms=90_000)
        map_frame(page)  # the zone page's small map has drawn: the page really ran, with the frame
        shot = snap(page, "fresh-server-deep-link-zones-en")

        seen = page.evaluate("() => window.__sidebarSeen")
        assert seen == {"streamlitNav": False, "legacyLabels": []}, f"legacy page list was shown ({shot}): {seen}"
        assert page.url.split("?")[0].endswith("/zones"), page.url
        assert page.locator("h1").first.inner_text().strip() == "Zone profiles"
        menu = [text.split("\n")[-1].strip() for text in page.locator('[data-testid="stSidebar"] a').all_inner_texts()]
        assert menu[:3] == ["Map", "Zone profiles", "Clusters"], menu  # each after its icon's ligature name
        assert "Traceback" not in server.log_text()
        assert page_log.blocked_assets == [], page_log.summary()  # e.g. a page icon as favicon from a font CDN

        page.locator('[data-testid="stSidebar"] a', has_text="Clusters").click()  # the menu works too
        page.wait_for_url("**/clusters?*")
        wait_for_app(page)
        assert "Clusters" in page.locator(MAIN_BLOCK).inner_text()
