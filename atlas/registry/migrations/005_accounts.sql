-- 005: the atlas's own accounts and the log of refused sign-ins (atlas.registry.account_stores).
--
-- `password_hash` is an Argon2id hash, never a password ('' for an account that signs in through the
-- organisation's OpenID Connect provider only). `prefectures` empty means every prefecture.

CREATE TABLE atlas_accounts (
    name          text PRIMARY KEY CHECK (name <> ''),
    role          text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    prefectures   text[] NOT NULL DEFAULT '{}',
    password_hash text NOT NULL DEFAULT '',
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE atlas_sign_in_failures (
    at      timestamptz NOT NULL,
    account text NOT NULL,
    reason  text NOT NULL DEFAULT ''
);
CREATE INDEX atlas_sign_in_failures_at ON atlas_sign_in_failures (at);
