-- Roles per municipality (issue 21): an account belongs to one member municipality of a region (gemeente,
-- e.g. GM0990) or, with NULL, to the whole installation; and the role 'rekenkamer' (reads the whole region,
-- writes nothing). SQLite cannot change a CHECK constraint, so the table is rebuilt with the same rows
-- (PostgreSQL: auth_005_account_gemeente.postgresql.sql alters it in place). No table refers to accounts.

CREATE TABLE accounts_new (
    username            TEXT PRIMARY KEY,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('raadslid', 'griffie', 'ambtenaar', 'beheerder', 'rekenkamer')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0,
    is_demo             INTEGER NOT NULL DEFAULT 0,
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    password_changed_at TEXT NOT NULL,
    last_login_at       TEXT,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    gemeente            TEXT                         -- member municipality (GM1234); NULL = the whole installation
);

INSERT INTO accounts_new (username, display_name, role, password_hash, disabled, is_demo, failed_attempts,
                          locked_until, password_changed_at, last_login_at, created_by, created_at, updated_by,
                          updated_at, gemeente)
    SELECT username, display_name, role, password_hash, disabled, is_demo, failed_attempts, locked_until,
           password_changed_at, last_login_at, created_by, created_at, updated_by, updated_at, NULL
    FROM accounts;

DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
