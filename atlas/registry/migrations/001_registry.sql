-- 001: the project registry with versions and full history (PostgreSQL 15 + PostGIS 3).
--
-- Every PROJECT_COLUMNS cell is stored as the text a user typed (as in projects/projects.csv), so a
-- save and a read round-trip exactly and one validator (atlas.validate) judges both backends. `geom`
-- is the typed copy of lon/lat for spatial queries (EPSG:4326, GiST index); NULL when lon/lat are empty.

CREATE EXTENSION IF NOT EXISTS postgis;

-- One row per save. `version` is the registry-wide version token the API hands out.
CREATE TABLE registry_versions (
    version   integer PRIMARY KEY CHECK (version > 0),
    saved_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    author    text NOT NULL DEFAULT '',
    message   text NOT NULL DEFAULT '',
    row_count integer NOT NULL CHECK (row_count >= 0)
);

-- Exactly one row: the current version (0 = never saved). A save locks it with SELECT ... FOR UPDATE,
-- compares it with the version the editor started from, and moves it in the same transaction.
CREATE TABLE registry_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   integer NOT NULL DEFAULT 0
);
INSERT INTO registry_head DEFAULT VALUES;

-- The current registry. `row_version` counts the saves that changed the row; a save checks that every
-- row still has the row_version of the version it started from (guards against writes outside the API).
CREATE TABLE projects (
    row_no             integer NOT NULL,
    id                 text PRIMARY KEY CHECK (id <> ''),
    name_zh            text NOT NULL DEFAULT '',
    name_en            text NOT NULL DEFAULT '',
    source             text NOT NULL DEFAULT '',
    as_of              text NOT NULL DEFAULT '',
    company_zh         text NOT NULL DEFAULT '',
    company_en         text NOT NULL DEFAULT '',
    cluster_types      text NOT NULL DEFAULT '',
    stage              text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT '',
    capacity           text NOT NULL DEFAULT '',
    capacity_unit      text NOT NULL DEFAULT '',
    investment_cny_m   text NOT NULL DEFAULT '',
    year               text NOT NULL DEFAULT '',
    zone_id            text NOT NULL DEFAULT '',
    county_adcode      text NOT NULL DEFAULT '',
    lon                text NOT NULL DEFAULT '',
    lat                text NOT NULL DEFAULT '',
    position_precision text NOT NULL DEFAULT '',
    uncertainty_km     text NOT NULL DEFAULT '',
    notes              text NOT NULL DEFAULT '',
    geom               geometry(Point, 4326),
    row_version        integer NOT NULL DEFAULT 1 CHECK (row_version > 0),
    changed_in         integer NOT NULL REFERENCES registry_versions (version)
);
CREATE INDEX projects_geom_gix ON projects USING gist (geom);

-- Every saved version's full snapshot: nothing a save replaces is ever lost.
CREATE TABLE projects_history (
    version            integer NOT NULL REFERENCES registry_versions (version),
    row_no             integer NOT NULL,
    id                 text NOT NULL,
    name_zh            text NOT NULL DEFAULT '',
    name_en            text NOT NULL DEFAULT '',
    source             text NOT NULL DEFAULT '',
    as_of              text NOT NULL DEFAULT '',
    company_zh         text NOT NULL DEFAULT '',
    company_en         text NOT NULL DEFAULT '',
    cluster_types      text NOT NULL DEFAULT '',
    stage              text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT '',
    capacity           text NOT NULL DEFAULT '',
    capacity_unit      text NOT NULL DEFAULT '',
    investment_cny_m   text NOT NULL DEFAULT '',
    year               text NOT NULL DEFAULT '',
    zone_id            text NOT NULL DEFAULT '',
    county_adcode      text NOT NULL DEFAULT '',
    lon                text NOT NULL DEFAULT '',
    lat                text NOT NULL DEFAULT '',
    position_precision text NOT NULL DEFAULT '',
    uncertainty_km     text NOT NULL DEFAULT '',
    notes              text NOT NULL DEFAULT '',
    geom               geometry(Point, 4326),
    row_version        integer NOT NULL,
    changed_in         integer NOT NULL,
    PRIMARY KEY (version, row_no)
);
CREATE INDEX projects_history_id_idx ON projects_history (id, version);
CREATE INDEX projects_history_geom_gix ON projects_history USING gist (geom);
