-- Browser sessions of the built-in (password) sign-in, so a sign-in survives a reload and a new tab
-- and a sign-out ends it everywhere. The browser holds a random token in an HttpOnly cookie; only a
-- keyed hash (HMAC with the server's session secret) of it is stored, so a copy of this table does
-- not let anyone in.

CREATE TABLE web_sessions (
    session_key         TEXT PRIMARY KEY,            -- HMAC of the cookie's token
    username            TEXT NOT NULL,
    method              TEXT NOT NULL,               -- password
    password_changed_at TEXT NOT NULL,               -- the account's value at sign-in: a reset ends the session
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,               -- idle expiry (updated at most once a minute)
    expires_at          TEXT NOT NULL                -- absolute expiry
);

CREATE INDEX web_sessions_username ON web_sessions (username);

-- A sign-in checked on the page becomes a session through one short-lived, single-use grant: the
-- browser takes it to /_msd/sessie, which sets the new cookie (so the token rotates at every sign-in).
-- The grant only works in the browser that asked for it (browser_key: HMAC of its cookie then).
CREATE TABLE sign_in_grants (
    grant_key           TEXT PRIMARY KEY,            -- HMAC of the grant code
    browser_key         TEXT NOT NULL,
    username            TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    next_path           TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
