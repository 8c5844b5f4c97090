"""Questions asked of a loaded `Atlas`: filters, summaries by cluster/zone/prefecture/stage, chain coverage and
gaps, zone profiles, proximity, comparisons, data-quality flags, 2030 targets, the national context, the
table under the map and which record a click meant. Pure functions over (Geo)DataFrames; no I/O.
"""
