-- Built-in accounts and the audit log. Portable SQL for SQLite and PostgreSQL.
-- Passwords are stored only as argon2 hashes; timestamps are ISO 8601 UTC text.

CREATE TABLE accounts (
    username            TEXT PRIMARY KEY,            -- lower case
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('raadslid', 'griffie', 'ambtenaar', 'beheerder')),
    password_hash       TEXT NOT NULL,               -- argon2id, with its own salt and parameters
    disabled            INTEGER NOT NULL DEFAULT 0,
    is_demo             INTEGER NOT NULL DEFAULT 0,  -- demo accounts: a real setup refuses to start while one is active
    failed_attempts     INTEGER NOT NULL DEFAULT 0,  -- wrong passwords since the last success or lock-out
    locked_until        TEXT,                        -- no sign-in before this moment
    password_changed_at TEXT NOT NULL,               -- a change ends every session started before it
    last_login_at       TEXT,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- Append-only: the application has no code path that updates or deletes a row.
CREATE TABLE audit_log (
    entry_id  TEXT PRIMARY KEY,                      -- random; rows are ordered by `at`
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,                         -- login, login_failed, note_published, upload, account_created, ...
    username  TEXT NOT NULL,                         -- who did it (or the name that was typed, for a failed sign-in)
    role      TEXT,
    detail    TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_event ON audit_log (event, at);
