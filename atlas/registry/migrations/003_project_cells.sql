-- 003: project counts per map grid cell at the zooms the map draws as cells, refreshed by every save.
--
-- Counting a province view's cells from `projects` scans and groups every row on each pan (about
-- 1.3 s at 10^6 rows); these counts answer the cells that lie wholly inside a view, so only the
-- view's border cells are still counted from `projects` (atlas.maps.postgis_view.viewport_bins).
--
-- The grid is the one `viewport_bins` and `atlas.maps.scale.bin_points` use: Leaflet's Web Mercator
-- world pixels at the zoom (256-pixel tiles, latitude clamped to +-85.0511287798), cut into squares of
-- `cell_px` pixels, written below with the same operations in the same order. The top zoom is counted
-- from `projects`; every lower zoom is summed from the one above (ix >> 1, iy >> 1), which is exact:
-- halving the world size halves every pixel coordinate exactly in floating point, so
-- floor(p / 2 / c) = floor(floor(p / c) / 2).
--
-- Counts are kept per filter key (project_cell_keys: the set of cluster types, stage, status,
-- prefecture and zone), so the map's filters still apply: a project is counted once, under its own
-- set of cluster types, and a cluster filter adds the keys whose set overlaps the chosen ones, as
-- the projects query does. Key 0 holds every project of a cell (the unfiltered map).

CREATE TABLE project_cell_grid (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    max_zoom  smallint NOT NULL CHECK (max_zoom BETWEEN 0 AND 20),
    cell_px   integer NOT NULL CHECK (cell_px > 0)
);
-- Zooms 0..9, 24-pixel cells (settings.MAP_BIN_CELL_PX). Above zoom 9 a cell holds about one row
-- per key, so counting the (small) view from `projects` through the GiST index costs no more.
INSERT INTO project_cell_grid (max_zoom, cell_px) VALUES (9, 24);

-- Every filter key of the registry, with its projects (located or not) and their investment: the
-- clusters page's counts and sums by cluster type, zone, prefecture or stage add these up
-- (atlas.maps.postgis_summary). Investment is the text cast to float8 when it is plain decimal text
-- once `_` digit separators are dropped and full-width digits folded (as Python's float reads them).
CREATE TABLE project_cell_keys (
    key        integer PRIMARY KEY CHECK (key > 0),
    clusters   text[] NOT NULL,
    stage      text NOT NULL,
    status     text NOT NULL,
    prefecture text NOT NULL,
    zone_id    text NOT NULL,
    projects   bigint NOT NULL,
    investment float8,
    invested   bigint NOT NULL
);

CREATE TABLE project_cells (
    zoom smallint NOT NULL,
    ix   integer NOT NULL,
    iy   integer NOT NULL,
    key  integer NOT NULL,
    n    integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (zoom, ix, iy, key)
);

-- Replace the counts with those of the current `projects` (called inside every save's transaction,
-- so readers see the old rows and the old counts, or the new and the new). Returns the rows written.
CREATE FUNCTION refresh_project_cells() RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE
    top      smallint;
    cell     float8;
    size     float8;
    written  bigint;
    added    bigint;
BEGIN
    SELECT g.max_zoom, g.cell_px INTO top, cell FROM project_cell_grid g;
    size := 256.0::float8 * power(2::float8, top);
    DELETE FROM project_cells;
    DELETE FROM project_cell_keys;
    DROP TABLE IF EXISTS pg_temp.project_cell_grain;
    CREATE TEMP TABLE project_cell_grain ON COMMIT DROP AS
        SELECT floor((x + 180.0) / 360.0 * size / cell)::bigint AS ix,
               floor((0.5 - ln((1 + s) / (1 - s)) / (4 * pi())) * size / cell)::bigint AS iy,
               clusters, stage, status, prefecture, zone_id, count(*)::integer AS n,
               sum(investment) AS investment, count(investment) AS invested
        FROM (SELECT ST_X(geom) AS x,
                     sin(radians(least(greatest(ST_Y(geom), -85.0511287798::float8), 85.0511287798::float8))) AS s,
                     string_to_array(replace(cluster_types, ' ', ''), ';') AS clusters, stage, status,
                     left(county_adcode, 4) || '00' AS prefecture, zone_id,
                     CASE WHEN number ~ '^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$'
                          THEN number::float8 END AS investment
              FROM (SELECT *, translate(replace(investment_cny_m, '_', ''), '０１２３４５６７８９', '0123456789') AS number
                    FROM projects) AS typed) AS p
        GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO project_cell_keys (key, clusters, stage, status, prefecture, zone_id, projects, investment, invested)
        SELECT row_number() OVER (ORDER BY clusters, stage, status, prefecture, zone_id), clusters, stage, status,
               prefecture, zone_id, sum(n), sum(investment), sum(invested)
        FROM project_cell_grain GROUP BY clusters, stage, status, prefecture, zone_id;
    -- unlocated projects (no lon/lat, so no cell) count in their key only
    INSERT INTO project_cells (zoom, ix, iy, key, n)
        SELECT top, ix, iy, 0, sum(n) FROM project_cell_grain WHERE ix IS NOT NULL GROUP BY ix, iy
        UNION ALL
        SELECT top, g.ix, g.iy, k.key, g.n FROM project_cell_grain g
        JOIN project_cell_keys k USING (clusters, stage, status, prefecture, zone_id) WHERE g.ix IS NOT NULL
        ORDER BY 2, 3, 4;
    GET DIAGNOSTICS written = ROW_COUNT;
    FOR z IN REVERSE top - 1 .. 0 LOOP
        INSERT INTO project_cells (zoom, ix, iy, key, n)
            SELECT z, ix >> 1, iy >> 1, key, sum(n) FROM project_cells WHERE zoom = z + 1
            GROUP BY 2, 3, 4 ORDER BY 2, 3, 4;
        GET DIAGNOSTICS added = ROW_COUNT;
        written := written + added;
    END LOOP;
    DROP TABLE pg_temp.project_cell_grain;
    RETURN written;
END
$body$;

-- An existing registry gets its counts now.
SELECT refresh_project_cells();
