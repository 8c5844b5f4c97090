-- 004: app servers in database mode hold no registry and fetch what a page shows per request
-- (atlas.maps.postgis_projects): a page of rows in registry order, one zone's rows, and the rows of its
-- counties that name no zone. These indexes answer those without reading the whole table.

CREATE INDEX projects_row_no_idx ON projects (row_no);
CREATE INDEX projects_zone_idx ON projects (zone_id, row_no);
CREATE INDEX projects_unzoned_county_idx ON projects (btrim(county_adcode)) WHERE btrim(zone_id) = '';
ANALYZE projects;
