-- Themed-session dossiers (griffie): one head row per dossier, every save a new immutable revision.
-- Portable SQL for SQLite and PostgreSQL: TEXT ids, INTEGER revisions, ISO timestamps as TEXT, JSON as TEXT.

CREATE TABLE dossiers (
    dossier_id         TEXT PRIMARY KEY,
    revision           INTEGER NOT NULL,          -- newest revision; the optimistic-lock token
    status             TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    published_revision INTEGER,                   -- what council members see; NULL = nothing
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    published_by       TEXT,
    published_at       TEXT,
    withdrawn_by       TEXT,
    withdrawn_at       TEXT
);

CREATE TABLE dossier_revisions (
    dossier_id     TEXT NOT NULL REFERENCES dossiers (dossier_id),
    revision       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    change         TEXT NOT NULL,                 -- create, edit, publish, withdraw
    title          TEXT NOT NULL,
    session_date   TEXT NOT NULL,                 -- ISO date of the council session
    theme          TEXT NOT NULL,
    introduction   TEXT NOT NULL,                 -- Markdown, rendered only through store.markdown
    questions_json TEXT NOT NULL,                 -- ["question", ...]
    sections_json  TEXT NOT NULL,                 -- [{"indicator_ids": [...], "region_codes": [...], ...}]
    notes_json     TEXT NOT NULL,                 -- published notes as they were at publication, per section
    release_id     TEXT,                          -- the data release the figures are fixed to (set on publish)
    saved_by       TEXT NOT NULL,
    saved_at       TEXT NOT NULL,
    PRIMARY KEY (dossier_id, revision)            -- second guard: two saves of the same revision cannot both land
);

CREATE INDEX dossiers_status ON dossiers (status, updated_at);
