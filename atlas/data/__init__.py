"""Reading, validating and loading the shipped tables into one `Atlas`.

CSV and GeoJSON are read cell by cell, every problem is collected with its file, row and column, the
cross-table checks run, and search keys (Chinese, English, pinyin) are built. This layer never opens the
registry store: whoever loads the atlas hands it the registry's projects (`atlas.registry.startup`).
"""
