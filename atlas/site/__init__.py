"""The atlas as a static site: one folder of HTML, scripts and files that works from a USB stick with no network
or from any web server, for any number of readers. `build_site` writes it from an `Atlas` (possibly filtered):
the index map (vendored Leaflet, the legend as a filter and a search applied in the browser), a print-ready page
per zone and language with its downloads, the chain gaps, targets and departments, the sources, and the layers as
files. It sits above `maps` and `reports`, whose map data, profiles and exports it assembles; the CLI wraps it.
"""

from __future__ import annotations

from atlas.site.build import DataVersion, SiteReport, build_site

__all__ = ["DataVersion", "SiteReport", "build_site"]
