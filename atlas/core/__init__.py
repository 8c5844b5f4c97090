"""The atlas's vocabulary and ground rules, imported by every other layer and importing none of them.

Settings (paths, CRSs, tunables), the schema of every table with its zh/en labels, the `Atlas` value
and the raw-data type it is built from, errors that name file/row/column, output safety (HTML
escaping, formula neutralising), UI and export labels, messy-cell parsing, and memory hand-back.
"""
