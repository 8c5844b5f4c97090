"""Where the bureau's project registry lives and how it changes: the storage protocol, the embedded file
store and the PostgreSQL + PostGIS backend, their schema migrations, hand corrections of positions, and
the startup functions that open the configured store and load the atlas with its projects.
"""
