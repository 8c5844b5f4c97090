-- 002: provenance of a point placed after curation (schema.PROJECT_COLUMNS gained position_source and
-- position_as_of): `digitised` on the registry page's map, or `imported-<datum>` by `atlas import`,
-- optionally followed by ": who/which file"; position_as_of is the date it was set. Empty for curated rows.

ALTER TABLE projects ADD COLUMN position_source text NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN position_as_of text NOT NULL DEFAULT '';
ALTER TABLE projects_history ADD COLUMN position_source text NOT NULL DEFAULT '';
ALTER TABLE projects_history ADD COLUMN position_as_of text NOT NULL DEFAULT '';
