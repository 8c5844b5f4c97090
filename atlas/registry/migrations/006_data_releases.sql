-- 006: the shipped projects of every data release merged into the registry (`atlas data upgrade`).
--
-- An upgrade is a three-way merge: the release the registry is based on, the bureau's registry, the new
-- release. The base release is named in the history entry of the version it made (author 'atlas data',
-- message 'data release <id>: ...'); its shipped projects.csv is kept here, byte for byte.

CREATE TABLE data_releases (
    release  text PRIMARY KEY CHECK (release ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    kept_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    projects bytea NOT NULL
);
