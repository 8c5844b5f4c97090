"""Coordinates done right: datum shifts between WGS84, GCJ-02 (AMap, Tencent) and BD-09 (Baidu), and
geodesic distances and equal-area areas on the WGS84 ellipsoid. Nothing here knows about the atlas's tables.
"""
