"""The interactive map (folium/Leaflet, vendored for offline use): base map and boundary layers, the compact
canvas project layer, large-registry views and their PostGIS queries, planning overlays, registry-change
maps, and the escaped HTML of every tooltip and popup.
"""
