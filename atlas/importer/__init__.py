"""A bureau's own project list (CSV/XLSX, Chinese office files as they are) → rows in the atlas's format.

File decoding, header synonyms, cell parsing, controlled vocabularies, positions and datum shifts, and
the atlas's own validation, so that an accepted row is one a save will take; every rejected row keeps
its reason with file, row and column.
"""
